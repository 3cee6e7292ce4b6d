"""Import-file plumbing shared by every contract import (see docs/data-contract.md).

Owns: the result types (`RowError`, `ImportResult`), reading a CSV or XLSX file into rows
under a checked header (`table_read`), parsing and validating cells (`Row`), the reference
codes a file may name (`References`), and the write phase shared by the importers
(`records_existing`, `records_sync`), which writes only records that differ from what is
stored. The importers in core/enterprises/projects validate every row first and call the
write phase only when no row has a problem, so a bad file changes nothing.

Row numbers are those a spreadsheet shows: row 1 is the header, the first data row is 2.
A problem with the whole file (type, size, unreadable) is reported as row 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries

from core.models import CooperationMode, Corridor, ExchangeRate, OwnershipType, Region, Sector

FILE_ROW = 0
HEADER_ROW = 1
SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
MULTI_VALUE_SEPARATOR = ";"
# Rows per INSERT/UPDATE statement in the write phase; a few hundred keeps statements small.
WRITE_BATCH_SIZE = 500
# The change reason of the audit records an import writes.
HISTORY_REASON = "import"
# Amount columns are DecimalField(max_digits=20, decimal_places=2).
AMOUNT_MAX_DIGITS = 20
AMOUNT_DECIMAL_PLACES = 2
# No entry of an XLSX file may unpack to more than this many times its compressed size:
# real workbooks compress 5-20x, a zip bomb thousands of times.
XLSX_MAX_COMPRESSION_RATIO = 100
# Entries this small are ignored by the ratio check (a tiny XML part can compress well).
XLSX_RATIO_MIN_ENTRY_BYTES = 64 * 1024

# A reason is translated only when a problem is found (gettext_lazy), not for every row.
StrOrPromise = str | Promise

_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RowError:
    """One problem of an import file. row 1 = header, 2 = first data row, 0 = the whole file."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        if self.row == FILE_ROW:
            return _('file "%(value)s": %(reason)s') % {"value": self.value, "reason": self.reason}
        if not self.column:
            return _('row %(row)d, value "%(value)s": %(reason)s') % {
                "row": self.row,
                "value": self.value,
                "reason": self.reason,
            }
        return _('row %(row)d, column "%(column)s", value "%(value)s": %(reason)s') % {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return _("Created %(created)d, updated %(updated)d, unchanged %(unchanged)d.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


# ---------------------------------------------------------------------------------------------
# Reading


class _UnreadableFileError(Exception):
    """The file cannot be read as the type its extension names; the message says why."""


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a user would have typed in a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _csv_records(path: Path) -> Iterator[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for record in csv.reader(handle):
                yield [cell.strip() for cell in record]
    except UnicodeDecodeError as exc:
        raise _UnreadableFileError(_("not UTF-8 encoded text")) from exc
    except csv.Error as exc:
        raise _UnreadableFileError(
            _("not a valid CSV file (%(detail)s)") % {"detail": exc}
        ) from exc


def _xlsx_check_zip(path: Path) -> None:
    """Refuse a workbook that would unpack to too much (a zip bomb) before openpyxl opens it.

    Reads only the zip's directory: the sizes its entries declare. A zip that lies about
    its sizes fails openpyxl's CRC checks when read, which is reported as not a valid file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _UnreadableFileError(_("not a valid XLSX file")) from exc
    cap = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    total = sum(entry.file_size for entry in entries)
    if total > cap:
        raise _UnreadableFileError(
            _("the file unpacks to %(size)d bytes; the limit is %(max)d bytes")
            % {"size": total, "max": cap}
        )
    for entry in entries:
        if entry.file_size < XLSX_RATIO_MIN_ENTRY_BYTES:
            continue
        if entry.file_size > XLSX_MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            raise _UnreadableFileError(
                _(
                    "the part %(name)s is compressed %(ratio)d times; files compressed more "
                    "than %(max)d times are refused"
                )
                % {
                    "name": entry.filename,
                    "ratio": entry.file_size // max(entry.compress_size, 1),
                    "max": XLSX_MAX_COMPRESSION_RATIO,
                }
            )


def _xlsx_records(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    _xlsx_check_zip(path)

    try:
        # read_only streams the sheet; data_only reads cached values, never evaluates formulas.
        workbook = load_workbook(path, read_only=True, data_only=True)
    # A non-zip file raises BadZipFile; a malformed workbook raises many other types
    # (KeyError, ValueError, XML errors ...). All mean the same to the user.
    except Exception as exc:
        raise _UnreadableFileError(_("not a valid XLSX file")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a malformed sheet, see above
                raise _UnreadableFileError(_("not a valid XLSX file")) from exc
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def table_read(*, path: Path, columns: Columns) -> tuple[list[Row], list[RowError]]:
    """The data rows of `path` under a checked header, or the problems that prevent reading it.

    Wholly empty rows are skipped (their numbers are still counted). Header problems
    (missing required column, unknown or repeated column) stop the reading: rows cannot be
    understood under a wrong header.
    """
    name = path.name
    extension = path.suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        return [], [
            RowError(
                FILE_ROW,
                "",
                name,
                _("unsupported file type %(extension)s; use .csv or .xlsx")
                % {"extension": extension or _("(none)")},
            )
        ]
    try:
        size = path.stat().st_size
    except OSError:
        return [], [RowError(FILE_ROW, "", name, _("the file cannot be read"))]
    max_bytes = settings.IMPORT_MAX_BYTES
    if size > max_bytes:
        return [], [
            RowError(
                FILE_ROW,
                "",
                name,
                _("the file is %(size)d bytes; the limit is %(max)d bytes")
                % {"size": size, "max": max_bytes},
            )
        ]
    records = _csv_records(path) if extension == ".csv" else _xlsx_records(path)
    try:
        return _rows_from_records(records, columns=columns, file_name=name)
    except _UnreadableFileError as exc:
        return [], [RowError(FILE_ROW, "", name, str(exc))]


def _rows_from_records(
    records: Iterable[list[str]], *, columns: Columns, file_name: str
) -> tuple[list[Row], list[RowError]]:
    errors: list[RowError] = []
    iterator = iter(records)
    header = next(iterator, None)
    if header is None or not any(header):
        return [], [RowError(FILE_ROW, "", file_name, _("the file has no header row"))]

    known = set(columns.all)
    positions: dict[str, int] = {}
    for index, raw_name in enumerate(header):
        if not raw_name:
            continue
        if raw_name not in known:
            errors.append(RowError(HEADER_ROW, raw_name, raw_name, _("unknown column")))
        elif raw_name in positions:
            errors.append(RowError(HEADER_ROW, raw_name, raw_name, _("repeated column")))
        else:
            positions[raw_name] = index
    for required in columns.required:
        if required not in positions:
            errors.append(RowError(HEADER_ROW, required, "", _("missing required column")))
    if errors:
        return [], errors

    max_rows = settings.IMPORT_MAX_ROWS
    present = frozenset(positions)
    used = set(positions.values())
    rows: list[Row] = []
    for number, record in enumerate(iterator, start=HEADER_ROW + 1):
        if not any(record):
            continue
        if len(rows) >= max_rows:
            return [], [
                RowError(
                    FILE_ROW,
                    "",
                    file_name,
                    ngettext(
                        "the file has more than %(max)d data row",
                        "the file has more than %(max)d data rows",
                        max_rows,
                    )
                    % {"max": max_rows},
                )
            ]
        cells = {
            name: (record[index] if index < len(record) else "")
            for name, index in positions.items()
        }
        row = Row(number=number, cells=cells, present=present, errors=errors)
        for index, value in enumerate(record):
            if value and index not in used:
                row.error("", value, _("a value outside the named columns"))
        rows.append(row)
    return rows, errors


# ---------------------------------------------------------------------------------------------
# Reference codes


@dataclass(frozen=True)
class References:
    """Every code a file may name, loaded once per import (one query per table)."""

    sectors: frozenset[str]
    corridors: frozenset[str]
    cooperation_modes: frozenset[str]
    ownership_types: frozenset[str]
    regions: frozenset[str]
    countries: frozenset[str]
    currencies: frozenset[str]


def references_load() -> References:
    return References(
        sectors=frozenset(Sector.objects.values_list("code", flat=True)),
        corridors=frozenset(Corridor.objects.values_list("code", flat=True)),
        cooperation_modes=frozenset(CooperationMode.objects.values_list("code", flat=True)),
        ownership_types=frozenset(OwnershipType.objects.values_list("code", flat=True)),
        regions=frozenset(Region.objects.values_list("code", flat=True)),
        countries=frozenset(code for code, _name in countries),
        currencies=frozenset(ExchangeRate.objects.values_list("currency", flat=True).distinct()),
    )


# ---------------------------------------------------------------------------------------------
# Cells


_email_validator = EmailValidator()
_url_validator = URLValidator()


@dataclass
class Row:
    """One data row: its cells by column, and parsers that record every problem they find."""

    number: int
    cells: dict[str, str]
    present: frozenset[str]
    errors: list[RowError]

    def has(self, column: str) -> bool:
        """Whether the file has this column at all (absent optional columns change nothing)."""
        return column in self.present

    def raw(self, column: str) -> str:
        return self.cells.get(column, "")

    def error(self, column: str, value: str, reason: StrOrPromise) -> None:
        self.errors.append(RowError(self.number, column, value, str(reason)))

    def text(
        self,
        column: str,
        *,
        required: bool = False,
        max_length: int | None = None,
        kind: str = "",
    ) -> str:
        """The cell as text; `kind` "email" or "url" also checks the format."""
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, value, _("a value is required"))
            return ""
        if max_length is not None and len(value) > max_length:
            self.error(
                column,
                value,
                _("longer than %(max)d characters") % {"max": max_length},
            )
            return value
        validator: Callable[[str], None] | None = {
            "email": _email_validator,
            "url": _url_validator,
        }.get(kind)
        if validator is not None:
            try:
                validator(value)
            except ValidationError:
                reason = _("not a valid email address") if kind == "email" else _("not a valid URL")
                self.error(column, value, reason)
        return value

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        """A plain, non-negative amount with at most two decimals, or None when empty."""
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, value, _("a value is required"))
            return None
        if not _PLAIN_NUMBER.match(value):
            self.error(column, value, _("not a number"))
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(column, value, _("not a number"))
            return None
        if number < 0:
            self.error(column, value, _("must not be negative"))
            return None
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > AMOUNT_DECIMAL_PLACES:
            self.error(
                column,
                value,
                _("at most %(places)d decimal places") % {"places": AMOUNT_DECIMAL_PLACES},
            )
            return None
        if number >= Decimal(10) ** (AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES):
            self.error(column, value, _("too large"))
            return None
        return number

    def date(self, column: str) -> dt.date | None:
        value = self.raw(column)
        if not value:
            return None
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(column, value, _("not an ISO date (YYYY-MM-DD)"))
            return None

    def choice(self, column: str, *, choices: Sequence[str], default: str) -> str:
        value = self.raw(column)
        if not value:
            return default
        if value not in choices:
            self.error(
                column,
                value,
                _("must be one of: %(choices)s") % {"choices": ", ".join(choices)},
            )
            return default
        return value

    def values(self, column: str) -> list[str]:
        """A multi-valued cell: split on `;`, trimmed, empties dropped, duplicates removed."""
        seen: dict[str, None] = {}
        for part in self.raw(column).split(MULTI_VALUE_SEPARATOR):
            part = part.strip()
            if part:
                seen.setdefault(part, None)
        return list(seen)

    def code(
        self,
        column: str,
        *,
        valid: Collection[str],
        reason: StrOrPromise,
        required: bool = False,
        default: str = "",
    ) -> str:
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, value, _("a value is required"))
            return default
        if value not in valid:
            self.error(column, value, reason)
            return default
        return value

    def codes(
        self, column: str, *, valid: Collection[str], reason: StrOrPromise, required: bool = False
    ) -> set[str]:
        """Every code of a multi-valued cell; each unknown one is its own problem."""
        found = self.values(column)
        if not found and required:
            self.error(column, self.raw(column), _("at least one value is required"))
        result: set[str] = set()
        for value in found:
            if value in valid:
                result.add(value)
            else:
                self.error(column, value, reason)
        return result

    def country(self, column: str, *, refs: References, default: str = "") -> str:
        return self.code(
            column,
            valid=refs.countries,
            reason=gettext_lazy("unknown country code (use ISO 3166-1 alpha-2, e.g. CN)"),
            required=not default,
            default=default,
        )

    def places(self, column: str, *, refs: References) -> tuple[set[str], list[str]]:
        """A places cell split into region codes and (sorted) country codes."""
        regions: set[str] = set()
        country_codes: set[str] = set()
        for value in self.values(column):
            if value in refs.regions:
                regions.add(value)
            elif value in refs.countries:
                country_codes.add(value)
            else:
                self.error(column, value, _("unknown country or region code"))
        return regions, sorted(country_codes)

    def currency(self, column: str, *, refs: References) -> str:
        return self.code(
            column,
            valid=refs.currencies | {"CNY"},
            reason=gettext_lazy("unknown currency (no exchange rate for it)"),
            default="CNY",
        )


def duplicate_keys_check(rows: Iterable[tuple[Row, str]], *, column: str) -> None:
    """Report each repeat of a key column, naming the row where the key first appeared."""
    first_row: dict[str, int] = {}
    for row, key in rows:
        if not key:
            continue
        if key in first_row:
            row.error(
                column,
                key,
                _("repeated in the file (first in row %(row)d)") % {"row": first_row[key]},
            )
        else:
            first_row[key] = row.number


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass
class Plan:
    """What one file row says a record should be: concrete fields by attname, M2M pk sets."""

    fields: dict[str, Any]
    m2m: dict[str, set[Any]] = field(default_factory=dict)


@dataclass
class SyncOutcome:
    created: list[models.Model] = field(default_factory=list)
    updated: list[models.Model] = field(default_factory=list)
    unchanged: int = 0


def records_existing(
    *, model: type[models.Model], key_field: str, keys: Collection[str]
) -> dict[str, Any]:
    """The stored records whose key is one of `keys`, by key (one query)."""
    return {
        getattr(obj, key_field): obj
        for obj in model._default_manager.filter(**{f"{key_field}__in": list(keys)})
    }


def _m2m_through(model: type[models.Model], name: str) -> tuple[type[models.Model], str, str]:
    m2m = model._meta.get_field(name)
    through = m2m.remote_field.through  # type: ignore[union-attr]
    source = through._meta.get_field(m2m.m2m_field_name()).attname  # type: ignore[union-attr]
    target = through._meta.get_field(m2m.m2m_reverse_field_name()).attname  # type: ignore[union-attr]
    return through, source, target


def m2m_current(
    *, model: type[models.Model], name: str, ids: Collection[int]
) -> dict[int, set[Any]]:
    """The stored M2M target pks of each record in `ids` (one query)."""
    through, source, target = _m2m_through(model, name)
    current: dict[int, set[Any]] = {pk: set() for pk in ids}
    if ids:
        for owner_id, target_id in through._default_manager.filter(
            **{f"{source}__in": list(ids)}
        ).values_list(source, target):
            current[owner_id].add(target_id)
    return current


def _same(model: type[models.Model], name: str, stored: Any, new: Any) -> bool:
    model_field = model._meta.get_field(name)
    return model_field.get_prep_value(stored) == model_field.get_prep_value(new)  # type: ignore[union-attr]


def records_sync(
    *,
    model: type[models.Model],
    key_field: str,
    plans: dict[str, Plan],
    existing: dict[str, Any],
) -> SyncOutcome:
    """Create or update the records of `plans`, writing only those that differ from the stored.

    Compares every planned field and every planned M2M set with what is stored; a record
    that matches is left alone (its `updated_at` does not move). Call inside a transaction.
    """
    outcome = SyncOutcome()
    m2m_names = sorted({name for plan in plans.values() for name in plan.m2m})
    existing_ids = [obj.pk for obj in existing.values()]
    current = {name: m2m_current(model=model, name=name, ids=existing_ids) for name in m2m_names}
    to_create: list[tuple[models.Model, Plan]] = []
    to_update: list[tuple[models.Model, Plan, list[str]]] = []
    changed_fields: set[str] = set()
    for key, plan in plans.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append((model(**{key_field: key, **plan.fields}), plan))
            continue
        field_diff = [
            name
            for name, value in plan.fields.items()
            if not _same(model, name, getattr(obj, name), value)
        ]
        m2m_diff = [name for name, pks in plan.m2m.items() if current[name][obj.pk] != pks]
        if not field_diff and not m2m_diff:
            outcome.unchanged += 1
            continue
        for name in field_diff:
            setattr(obj, name, plan.fields[name])
        changed_fields.update(field_diff)
        to_update.append((obj, plan, m2m_diff))

    model._default_manager.bulk_create(
        [obj for obj, _plan in to_create], batch_size=WRITE_BATCH_SIZE
    )
    if to_update:
        auto_now = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        now = timezone.now()
        for obj, _plan, _m2m in to_update:
            for name in auto_now:
                setattr(obj, name, now)
        model._default_manager.bulk_update(
            [obj for obj, _plan, _m2m in to_update],
            sorted(changed_fields | set(auto_now)),
            batch_size=WRITE_BATCH_SIZE,
        )

    for name in m2m_names:
        through, source, target = _m2m_through(model, name)
        replace: dict[int, set[Any]] = {
            obj.pk: plan.m2m[name] for obj, plan in to_create if name in plan.m2m
        }
        replace.update(
            {obj.pk: plan.m2m[name] for obj, plan, m2m_diff in to_update if name in m2m_diff}
        )
        stale = [pk for pk in replace if pk in current[name]]
        if stale:
            through._default_manager.filter(**{f"{source}__in": stale}).delete()
        through._default_manager.bulk_create(
            [
                through(**{source: pk, target: target_pk})
                for pk, target_pks in replace.items()
                for target_pk in sorted(target_pks)
            ],
            batch_size=WRITE_BATCH_SIZE,
        )
    outcome.created = [obj for obj, _plan in to_create]
    outcome.updated = [obj for obj, _plan, _m2m in to_update]
    _history_record(model, outcome)
    return outcome


def _history_record(model: type[models.Model], outcome: SyncOutcome) -> None:
    """Audit rows for what an import wrote: bulk writes send no signals, so the audit history
    (simple-history) is written here, one record per created or changed row. In the admin the
    author is the signed-in user (the history middleware); from a command, nobody."""
    history = getattr(model, "history", None)
    if history is None:
        return
    for objs, update in ((outcome.created, False), (outcome.updated, True)):
        if objs:
            history.bulk_history_create(
                objs,
                batch_size=WRITE_BATCH_SIZE,
                update=update,
                default_change_reason=HISTORY_REASON,
            )


def concurrent_change_result(path: Path) -> ImportResult:
    """The result when the database refused the write because another change got there first.

    Validation runs before the transaction, so a record created meanwhile by someone else
    (same reference) makes the write fail; the transaction rolled back, nothing changed.
    """
    return ImportResult(
        errors=[
            RowError(
                FILE_ROW,
                "",
                path.name,
                _("the data changed while the file was imported; nothing was changed, try again"),
            )
        ]
    )


# ---------------------------------------------------------------------------------------------
# Interfaces


def importer_resolve(dotted_path: str) -> Callable[..., ImportResult]:
    """The import function named by a dotted path, e.g. "enterprises.importers.enterprises_import"."""
    return import_string(dotted_path)


class ContractImportCommand(BaseCommand):
    """`manage.py import_* FILE`: runs one import function and reports its result."""

    importer: str = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("A .csv or .xlsx file in the data contract."))

    def handle(self, *args: Any, **options: Any) -> None:
        result = importer_resolve(self.importer)(path=options["file"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            count = len(result.errors)
            raise CommandError(
                ngettext(
                    "%(count)d problem found; nothing was changed.",
                    "%(count)d problems found; nothing was changed.",
                    count,
                )
                % {"count": count}
            )
        self.stdout.write(result.summary())
