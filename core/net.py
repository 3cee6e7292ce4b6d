"""The client's address when the site runs behind reverse proxies.

Behind a TLS proxy or load balancer, REMOTE_ADDR is the proxy's address: sign-in lockouts
(django-axes) and the sign-up and password-reset limits (django-ratelimit) would then count
every visitor as one. With PROXY_COUNT = n trusted proxies in front of the application, each
appending the address it saw to X-Forwarded-For, the client is the n-th entry from the
right; entries further left are whatever the client sent and are never trusted.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address to count a request against (REMOTE_ADDR when PROXY_COUNT is 0)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "PROXY_COUNT", 0)
    if not count:
        return remote
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-min(count, len(forwarded))]
