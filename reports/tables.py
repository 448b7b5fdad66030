"""The pages' tables. The quarter's: django-tables2 over the assembled rows, sortable and
exportable, their rows drawn in Python (AuthorityTable.rows_html). A measure's table of
figures, status strip and history of changes, and the compare page's ranking: drawn in
Python, as the templates they replaced drew them (tests/reports/test_tables.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cached_property

import django_tables2 as tables
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from django_tables2.utils import AttributeDict, signature

from core.html import conditional_escape, format_html, format_html_join
from indicators.rules import Status
from indicators.templatetags.outturn import (
    assurance_tag,
    direction_tag,
    figure,
    measure_page,
    no_value_reason,
    published_figure,
    signed_figure,
    status_tag,
    variation_tag,
)

NUMERIC = {
    "th": {"class": "govuk-table__header govuk-table__header--numeric"},
    "td": {"class": "govuk-table__cell govuk-table__cell--numeric"},
}
TEXT = {"th": {"class": "govuk-table__header"}, "td": {"class": "govuk-table__cell"}}


class FigureColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, attrs=NUMERIC, default="–", **kwargs)

    def render(self, value, record):
        return figure(value, record.indicator)


class AuthorityTable(tables.Table):
    """A table of one authority's measures, with a caption and codes linking to each measure."""

    def __init__(self, *args, authority=None, period=None, caption="", **kwargs):
        self.authority = authority
        self.period = period
        self.caption = caption
        super().__init__(*args, **kwargs)

    def render_code(self, value, record):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>', measure_page(value, self.measure_base), value
        )

    @cached_property
    def measure_base(self) -> str:
        """The path of a measure's page but its code: one reverse() a table, not a row."""
        return measure_path(self.authority, self.period)

    def rows_html(self) -> str:
        """The table's body rows, in the order asked for, drawn as django-tables2's own rows
        draw them (a cell's value by its column's accessor, the column's default where the
        value is empty, else its render method given the arguments it names; the first cell
        a row header), with each column's parts found once rather than for every cell:
        django-tables2 inspects a render method's signature and works out the cell's
        attributes anew for every cell, which was a third of a quarter view's first drawing
        after a write. tests/reports/test_tables.py draws every demo quarter both ways."""
        columns = list(self.columns)
        if not columns:
            return ""
        cells = [_Column(self, bound, header=number == 0) for number, bound in enumerate(columns)]
        row_attrs = {
            name: _Caller(value) if callable(value) else value
            for name, value in self.row_attrs.items()
        }
        rows = []
        for number, record in enumerate(self.data):
            arguments = {"table": self, "record": record}
            attrs = {
                name: value(arguments) if isinstance(value, _Caller) else value
                for name, value in row_attrs.items()
            }
            parity = "odd" if number % 2 else "even"  # as django-tables2 marks its rows
            attrs["class"] = f"{attrs['class']} {parity}" if attrs.get("class") else parity
            rows.append(
                format_html(
                    "<tr {}>{}</tr>",
                    _attributes(attrs),
                    mark_safe("".join(cell.html(record) for cell in cells)),
                )
            )
        if not rows:
            return format_html(
                '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{}">{}'
                "</td></tr>",
                len(columns),
                self.empty_text or "",
            )
        return mark_safe("".join(rows))


def _attributes(attrs: dict) -> str:
    """As django-tables2's AttributeDict.as_html draws them (its left-out keys and None
    values left out, callables called), through core.html: a fifth of the rows' drawing was
    Django's format_html_join there."""
    return format_html_join(
        " ",
        '{}="{}"',
        (
            (name, value)
            for name, value in ((k, v() if callable(v) else v) for k, v in attrs.items())
            if name not in AttributeDict.blacklist and value is not None
        ),
    )


class _Caller:
    """A function called with those of a set of named arguments it takes, as django-tables2's
    call_with_appropriate calls it, its signature read once."""

    def __init__(self, function: Callable):
        self.function = function
        self.names, self.catch_all = signature(function)

    def __call__(self, arguments: dict):
        if self.catch_all:
            return self.function(**arguments)
        if any(name not in arguments for name in self.names):
            return None
        return self.function(**{name: arguments[name] for name in self.names})


class _Column:
    """One column of a table's body: its cells' attributes and how a record's cell is drawn."""

    def __init__(self, table, bound, header: bool):
        self.table, self.bound, self.column = table, bound, bound.column
        self.render = _Caller(bound.render)
        if "bound_row" in self.render.names:  # drawn without django-tables2's BoundRow
            raise ImproperlyConfigured(f"{bound.name}: a render method here takes no bound_row")
        tag = "th" if header else "td"
        scope = ' scope="row"' if header else ""
        self.opening = format_html("<{}{} {}>", tag, mark_safe(scope), bound.attrs["td"].as_html())
        self.closing = f"</{tag}>"
        self.bits = tuple(bound.accessor.bits)

    def html(self, record) -> str:
        return f"{self.opening}{self.content(record)}{self.closing}"

    def value(self, record):
        """The cell's value as django-tables2's Accessor finds it: attribute by attribute,
        stopping at None, where no step can be subscripted or called (the quarter's tables'
        every column); anything else by the Accessor itself (a tenth of the rows' drawing
        was its generality)."""
        current = record
        for bit in self.bits:
            if current is None:
                return None
            if hasattr(type(current), "__getitem__"):  # looked up by key first, as it does
                return self.bound.accessor.resolve(record)
            current = getattr(current, bit)
            if callable(current):
                return self.bound.accessor.resolve(record)
        return current

    def content(self, record) -> str:
        try:
            value = self.value(record)
        except Exception:  # django-tables2 draws a cell it cannot resolve as empty
            value = None
        if value in self.column.empty_values:
            return conditional_escape(localize(template_localtime(self.bound.default)))
        arguments = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound,
            "table": self.table,
        }
        content = self.render(arguments)
        if self.bound.link:
            content = self.bound.link(content, **arguments)
        return conditional_escape(localize(template_localtime(content)))


SMALL_COHORT = 100  # below this many, a figure's 95% interval is said in words


class MeasuresTable(AuthorityTable):
    code = tables.Column(
        accessor="indicator__code", verbose_name="Code", attrs=TEXT, order_by="natural_code"
    )
    name = tables.Column(accessor="indicator__name", verbose_name="Measure", attrs=TEXT)
    this_quarter = FigureColumn(
        accessor="value__value",
        verbose_name="This quarter",
        empty_values=(),  # a measure without a figure says why, not just "–"
    )
    target = FigureColumn(accessor="target__target", verbose_name="Target (tolerance)")
    status = tables.Column(
        accessor="status", verbose_name="Status", attrs=TEXT, order_by="status_rank"
    )
    compared = tables.Column(
        accessor="comparison__england",
        verbose_name="England, region, neighbours",
        attrs=TEXT,
        empty_values=(),
        orderable=False,
    )

    class Meta:
        template_name = "django_tables2/govuk.html"
        attrs = {"class": "govuk-table outturn-measures", "id": "measures-table"}
        empty_text = "No measures match these filters."
        row_attrs = {
            "class": "govuk-table__row",
            "data-indicator": lambda record: record.indicator.code,
        }
        order_by = ()

    def render_name(self, value, record):
        parts = [format_html("{}", value)]
        if record.months:
            months = "; ".join(
                f"{m.period.label}: {figure(m.value, record.indicator)}" for m in record.months
            )
            parts.append(format_html('<br><span class="govuk-body-s">{}</span>', months))
        takes = record.what_it_takes
        if takes:
            more = "fewer" if record.indicator.polarity == "lower_is_better" else "more"
            said = (
                f"{takes.children} {more} child{'ren' if takes.children != 1 else ''} would have "
                "met the target; "
                if takes.children
                else ""
            )
            parts.append(
                format_html(
                    '<br><span class="govuk-body-s outturn-takes">{}1 child = {} points{}</span>',
                    said,
                    f"{takes.points_per_child:.1f}",
                    mark_safe(
                        ". <strong>Small cohort: one child more or fewer would change the "
                        "status.</strong>"
                    )
                    if takes.small_cohort
                    else "",
                )
            )
        interval = record.interval
        if interval and record.value.denominator < SMALL_COHORT:
            parts.append(
                format_html(
                    '<br><span class="govuk-body-s outturn-interval">A small cohort ({}): the '
                    "figure could be anywhere between {} and {} (95% interval)</span>",
                    f"{record.value.denominator:,.0f}",
                    figure(interval.low, record.indicator),
                    figure(interval.high, record.indicator),
                )
            )
        if record.value and record.value.note:
            parts.append(format_html('<br><span class="govuk-body-s">{}</span>', record.value.note))
        return format_html_join("", "{}", ((part,) for part in parts))

    def render_this_quarter(self, value, record):
        if record.value is None:
            return mark_safe('<span class="govuk-hint govuk-!-margin-0">Not returned</span>')
        if value is None:
            reason = no_value_reason(record.value.no_value_reason)
            return format_html('<span class="govuk-hint govuk-!-margin-0">{}</span>', reason)
        text = figure(value, record.indicator)
        if record.presented:
            seen = record.presented
            was = (
                figure(seen["value"], record.indicator)
                if seen["value"] is not None
                else "no figure"
            )
            text = format_html(
                '{} <strong class="govuk-tag govuk-tag--purple outturn-revised">Revised</strong>'
                '<br><span class="govuk-body-s">The panel saw {}, {}</span>',
                text,
                was,
                Status(seen["status"]).label.lower(),
            )
        if record.value.provisional:
            text = format_html(
                '{} <strong class="govuk-tag govuk-tag--blue">Provisional</strong>', text
            )
        return format_html("{} {}", text, _previous(record))

    def render_target(self, value, record):
        text = figure(value, record.indicator)
        if record.target is None or record.target.tolerance is None:
            return text
        return format_html(
            '{} <span class="govuk-body-s outturn-cell-note">tolerance {}</span>',
            text,
            figure(record.target.tolerance, record.indicator),
        )

    def render_status(self, value, record):
        notes = []
        if record.value and record.value.hard_to_shift:
            notes.append(format_html("Hard to shift: {}", record.hard_to_shift_why))
        if record.value:  # a signal, or why there is none yet ("too few points")
            notes.append(variation_tag(record.value))
        if record.value and record.value.assurance:
            notes.append(assurance_tag(record.value))
        extra = format_html_join(
            "", '<span class="govuk-body-s outturn-cell-line">{}</span>', ((n,) for n in notes)
        )
        return format_html("{} {}", status_tag(value, reported=record.reported), extra)

    def render_compared(self, value, record):
        return _comparisons(record)


class VolumetricTable(AuthorityTable):
    code = tables.Column(
        accessor="indicator__code", verbose_name="Code", attrs=TEXT, order_by="natural_code"
    )
    name = tables.Column(accessor="indicator__name", verbose_name="Measure", attrs=TEXT)
    this_quarter = FigureColumn(accessor="value__value", verbose_name="This quarter")
    previous = FigureColumn(accessor="previous__value", verbose_name="Previous quarter")
    change = tables.Column(accessor="change", verbose_name="Change", attrs=NUMERIC, default="–")

    class Meta:
        template_name = "django_tables2/govuk.html"
        attrs = {"class": "govuk-table outturn-volumetric", "id": "volumetric-table"}
        empty_text = "No volumetric measures this quarter."
        row_attrs = {
            "class": "govuk-table__row",
            "data-indicator": lambda record: record.indicator.code,
        }

    def render_change(self, value, record):
        return signed_figure(value, record.indicator)


def _previous(record) -> str:
    """The previous quarter's figure and the direction of travel, under this quarter's."""
    if record.previous is None or record.previous.value is None:
        return format_html(
            '<span class="govuk-body-s outturn-cell-note">{}</span>',
            direction_tag(record.value.direction if record.value else ""),
        )
    return format_html(
        '<span class="govuk-body-s outturn-cell-note">previous {} · {}</span>',
        figure(record.previous.value, record.indicator),
        direction_tag(record.value.direction if record.value else ""),
    )


def _comparisons(record) -> str:
    """England (its period, and how close a national equivalent is), the region, the
    statistical neighbours' mean and median (one outlier moves a mean), and the band of the
    authority's own figure on the measure compared, shown with that figure and its period,
    never beside this quarter's figure as if it were its rank ("CIN-REREF 2015/16: 23.0%,
    band C"). One cell, stacked, so the table keeps to the page's width."""
    comparison = record.comparison
    if comparison is None or comparison.period is None:
        return mark_safe("–")
    compared, note = comparison.indicator, record.national_note
    lines = []
    if comparison.england is not None:
        lines.append(
            format_html(
                "England <strong>{}</strong>", published_figure(comparison.england, compared)
            )
        )
    if comparison.region is not None:
        lines.append(format_html("Region {}", published_figure(comparison.region, compared)))
    if comparison.neighbours:
        lines.append(
            format_html(
                "Neighbours: mean {}, median {} ({} of {} with a figure)",
                figure(comparison.neighbours_mean, compared),
                figure(comparison.neighbours_median, compared),
                len(comparison.neighbours),
                comparison.neighbours_of,
            )
        )
    if comparison.quartile:
        lines.append(
            format_html(
                "{} {}: {}, band <strong>{}</strong>",
                compared.code,
                comparison.period.label,
                published_figure(comparison.own, compared),
                comparison.quartile,
            )
        )
    if not lines:
        return mark_safe("–")
    # What every comparator here describes: its period, and the measure it is a figure of.
    lines.insert(0, format_html("{}", comparison.period_words))
    if note:
        lines.insert(1, format_html("{}", note))
    return format_html_join(
        "", '<span class="outturn-comparison">{}</span>', ((line,) for line in lines)
    )


def path_before(view: str, *args) -> str:
    """`view`'s path for `args` and one argument more, up to that last one: a page's links to
    many of one kind (measures, periods) from one reverse(), the last part appended."""
    return reverse(view, args=[*args, "LAST"]).removesuffix("LAST/")


def measure_path(authority, period=None) -> str:
    """The measure's page, as it stood at `period`'s end where the table is a quarter's, all
    but its code (indicators' measure_page adds it)."""
    if period is None:
        return path_before("reports:measure", authority.slug)
    return path_before("reports:quarter_measure", authority.slug, period.slug)


def ranking_rows(ranking) -> str:
    """The compare page's table rows, drawn here once with the ranking they are cached with
    (a template loop over 150 authorities was most of the page's first drawing after a
    write): a national measure's ranking, every authority a row (rank, name and role, figure,
    95% interval beside England, band); a local measure's figures, unranked."""
    indicator = ranking.indicator
    if not ranking.is_national:
        return format_html_join(
            "",
            '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
            '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>{}</tr>',
            (
                (
                    row["name"],
                    published_figure(row["value"], indicator),
                    interval_cell(row, indicator),
                )
                for row in ranking.rows
            ),
        )
    return format_html_join(
        "",
        '<tr class="govuk-table__row outturn-ranking__row--{}" data-authority="{}">'
        '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
        '<th scope="row" class="govuk-table__header">{}</th>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>{}'
        '<td class="govuk-table__cell">{}</td></tr>',
        (
            (
                row["role"],
                row["authority"].slug,
                row["rank"] or "–",
                _ranked_name(row),
                published_figure(row["value"], indicator),
                interval_cell(row, indicator),
                row["band"] or "–",
            )
            for row in ranking.rows
        ),
    )


def _ranked_name(row) -> str:
    if row["role"] == "chosen":
        return format_html("<strong>{}</strong> (selected)", row["name"])
    if row["role"] == "neighbour":
        return format_html(
            '{} <span class="govuk-body-s">(statistical neighbour)</span>', row["name"]
        )
    return row["name"]


def interval_cell(row, indicator) -> str:
    """A figure's 95% interval and how it compares with England's, or why there is none."""
    interval = row.get("interval")
    if not interval:
        return mark_safe(
            '<td class="govuk-table__cell"><span class="govuk-hint govuk-!-margin-0">no '
            "numerator and denominator</span></td>"
        )
    significance = row.get("significance")
    return format_html(
        '<td class="govuk-table__cell">between {} and {}{}</td>',
        figure(interval.low, indicator),
        figure(interval.high, indicator),
        format_html(": <strong>{}</strong>", significance.label) if significance else "",
    )


HISTORY_ROW = (
    '<tr class="govuk-table__row"><td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell">{}{}</td><td class="govuk-table__cell">{}: {}</td>'
    '<td class="govuk-table__cell outturn-text">{}</td>'
    '<td class="govuk-table__cell outturn-text">{}</td></tr>'
)
HISTORY_TEXT = 300  # characters of a before or after shown; a longer one ends "…"


def history_rows(changes) -> str:
    """A measure's history of changes (reports.history.Change), a row each: when (local
    time), who and why, what, before and after. Drawn here, where a template loop over 200
    changes was half of a measure page's first drawing after a write; a time is formatted
    once however many changes share it (a figure's value, numerator and denominator do)."""
    times: dict = {}

    def when(moment) -> str:
        if moment not in times:
            times[moment] = minute(moment)
        return times[moment]

    return format_html_join(
        "",
        HISTORY_ROW,
        (
            (
                when(change.when),
                change.who or "–",
                format_html('<br><span class="govuk-body-s">{}</span>', change.reason)
                if change.reason
                else "",
                change.what,
                change.field,
                _shortened(change.before),
                _shortened(change.after),
            )
            for change in changes
        ),
    )


def minute(moment) -> str:
    """A moment as the date filter's "j M Y H:i" draws it in the site's time zone ("2 Jul 2016
    00:30"), written out: date_format looked the format up and parsed it for every moment,
    72 µs each, and a measure's history shows a hundred (a fifth of its page's first drawing).
    The month's name is Django's own (dates.MONTHS_3, translated as the filter translates it)."""
    local = template_localtime(moment)
    return f"{local.day} {MONTHS_3[local.month].title()} {local.year} {local:%H:%M}"


def _shortened(text: str) -> str:
    """As the truncatechars filter gives it (Django's Truncator): a text this short and
    already in NFC comes back as it is, without the Truncator's work."""
    if len(text) <= HISTORY_TEXT and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(HISTORY_TEXT)


NOT_STATED = mark_safe('<br><span class="govuk-body-s">period not stated by its source</span>')


FIGURES_ROW = (
    '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{}</th>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    '<td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}{}</td>'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{}{}</td>{}</tr>'
)


def figures_rows(story, side: str) -> str:
    """A measure page's table of every figure, newest first (MeasureStory.table), a row each:
    the authority's figure, target and tolerance, status, direction, England's and the
    region's; for the council's officers, links to correct the figure and set the target.
    Drawn here, as the page's template drew it, with the links' paths reversed once."""
    indicator, comparator = story.indicator, story.comparator
    links = _CouncilLinks(story) if side == "council" else None
    rows = []
    for number, row in enumerate(story.table):
        own, aim = row.get("own"), row.get("target")
        england, region = row.get("england"), row.get("region")
        rows.append(
            format_html(
                FIGURES_ROW,
                row["period"].label,
                _own_figure(own, indicator),
                figure(aim.target if aim else None, indicator),
                figure(aim.tolerance if aim else None, indicator),
                status_tag(own.status) if own else "",
                direction_tag(own.direction) if own else "",
                *_comparator(england, comparator),
                *_comparator(region, comparator),
                links.cell(row, first=number == 0) if links else "",
            )
        )
    return mark_safe("".join(rows))


def _own_figure(own, indicator) -> str:
    """The authority's figure (provisional said so), why it has none, or "–"."""
    if own is None:
        return "–"
    if own.value is None:
        return no_value_reason(own.no_value_reason)
    shown = figure(own.value, indicator)
    return f"{shown} (provisional)" if own.provisional else shown


def _comparator(value, comparator) -> tuple[str, str]:
    """England's or the region's figure as published, and a note where its source gave no
    period."""
    note = NOT_STATED if value and not value.period_stated else ""
    return published_figure(value.value if value else None, comparator), note


class _CouncilLinks:
    """The council's links in a measure's table of figures: correct a figure; change or set
    the target (the newest row, and each year's)."""

    def __init__(self, story):
        slug, code = story.authority.slug, story.indicator.code
        self.correct = path_before("reports:correct", slug, code)
        self.target = path_before("reports:target", slug, code)
        self.targeted = story.indicator.polarity != "none"

    def cell(self, row: dict, first: bool) -> str:
        period, own = row["period"], row.get("own")
        parts = []
        if own is not None:
            parts.append(
                format_html(
                    '<a class="govuk-link" href="{}{}/">Correct<span '
                    'class="govuk-visually-hidden"> the figure for {}</span></a>',
                    self.correct,
                    period.slug,
                    period.label,
                )
            )
        if self.targeted and (period.kind == "year" or first):
            year = period.parsed
            parts.append(
                format_html(
                    '{}<a class="govuk-link" href="{}{}/">{} the target<span '
                    'class="govuk-visually-hidden"> for {}</span></a>',
                    mark_safe("<br>") if own is not None else "",
                    self.target,
                    year.fiscal_year_slug,
                    "Change" if row.get("target") else "Set",
                    year.fiscal_year_label,
                )
            )
        return format_html('<td class="govuk-table__cell">{}</td>', mark_safe("".join(parts)))


def status_strip(story) -> str:
    """A measure's status by quarter, oldest first: each quarter's status in words and symbol,
    and whether it was hard to shift."""
    return format_html_join(
        "",
        '<li class="outturn-strip__item outturn-strip__item--{}"><span class="govuk-body-s">'
        "{}</span> {}{}</li>",
        (
            (
                status.value,
                value.period.label,
                status_tag(status),
                mark_safe(' <span class="govuk-body-s">hard to shift</span>')
                if value.hard_to_shift
                else "",
            )
            for value, status in story.status_strip
        ),
    )
