"""factory_boy factories over the real models. Reference codes come from the seeded tables."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from core.models import CooperationMode, Corridor, OwnershipType, Sector
from enterprises.models import Enterprise, Membership
from projects.models import OpportunityList, Park, Project


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-Word-123")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"ENT-T{n:05d}")
    name = factory.Sequence(lambda n: f"Enterprise {n}")
    ownership = factory.LazyFunction(lambda: OwnershipType.objects.get(code="private"))
    country = "CN"
    currency = "CNY"
    is_verified = True

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create:
            self.sectors.set(Sector.objects.filter(code__in=extracted or ["logistics"]))

    @factory.post_generation
    def cooperation_modes(self, create, extracted, **kwargs):
        if create and extracted:
            self.cooperation_modes.set(CooperationMode.objects.filter(code__in=extracted))

    @factory.post_generation
    def corridors(self, create, extracted, **kwargs):
        if create and extracted:
            self.corridors.set(Corridor.objects.filter(code__in=extracted))


class SoeFactory(EnterpriseFactory):
    ownership = factory.LazyFunction(lambda: OwnershipType.objects.get(code="soe"))


class ForeignEnterpriseFactory(EnterpriseFactory):
    ownership = factory.LazyFunction(lambda: OwnershipType.objects.get(code="foreign"))
    country = "SG"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = Membership.Role.MEMBER


class OpportunityListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityList

    name = factory.Sequence(lambda n: f"Opportunity list {n}")


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park

    name = factory.Sequence(lambda n: f"Park {n}")
    kind = Park.Kind.LOGISTICS_HUB


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"PRJ-T{n:05d}")
    title = factory.Sequence(lambda n: f"Project {n}")
    description = "A project."
    owner = factory.SubFactory(SoeFactory)
    total_investment = Decimal("1000000000")
    external_investment_sought = Decimal("500000000")
    currency = "CNY"
    status = Project.Status.PUBLISHED

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create:
            self.sectors.set(Sector.objects.filter(code__in=extracted or ["logistics"]))

    @factory.post_generation
    def cooperation_modes(self, create, extracted, **kwargs):
        if create:
            codes = extracted or ["equity_investment"]
            self.cooperation_modes.set(CooperationMode.objects.filter(code__in=codes))

    @factory.post_generation
    def corridors(self, create, extracted, **kwargs):
        if create and extracted:
            self.corridors.set(Corridor.objects.filter(code__in=extracted))
