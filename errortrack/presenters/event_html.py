"""The two big, repetitive parts of the issue page, stack traces and breadcrumbs, written as
HTML in Python.

A large event has hundreds of frames, thousands of source lines and variables; through the
template engine they cost most of the page's time (measured: ~100 ms of ~130 ms for 100 frames
and 100 breadcrumbs). Here every value from the event goes through `esc` (the stdlib's
html.escape, quotes included) before it is joined into markup, so the result may be marked safe:
the markup is ours, the text is escaped. The structures come from errortrack.presenters.event,
and the markup is the one the templates had.
"""

from html import escape as _escape

from django.utils.safestring import SafeString, mark_safe

from errortrack.presenters.event import Breadcrumbs, Crumb, Frame, Stack, Table


def esc(value: object) -> str:
    return _escape(str(value), quote=True)


def table_html(table: Table) -> str:
    """A key/value table of event data, cut where presenters.event cut it."""
    if not table:
        return ""
    parts = ['<table class="kv">']
    for key, text, css, omitted in table.rows:
        cut = (f'<span class="muted cut"> ({omitted} more characters in the raw JSON)</span>'
               if omitted else "")
        parts.append(f'<tr><th scope="row">{esc(key)}</th>'
                     f'<td class="{esc(css)}">{esc(text)}{cut}</td></tr>')
    parts.append("</table>")
    if table.omitted:
        parts.append(f'<p class="muted cut">{table.omitted} more not shown; '
                     "see the raw JSON.</p>")
    return "".join(parts)


def frame_html(frame: Frame) -> str:
    kind = "in-app" if frame.in_app else "system"
    summary = [f'<span class="loc">{esc(frame.location)}</span>']
    if frame.function:
        summary.append(f' in <span class="fn">{esc(frame.function)}</span>')
    if frame.line:
        summary.append(f" at line {esc(frame.line)}")
    if frame.in_app:
        summary.append(' <span class="badge">in app</span>')
    parts = [f'<details class="frame {kind}"{" open" if frame.open else ""}>',
             f"<summary>{''.join(summary)}</summary>"]
    if frame.meta:
        meta = " ".join(f"{esc(label)} <code>{esc(value)}</code>" for label, value in frame.meta)
        parts.append(f'<p class="muted frame-meta">{meta}</p>')
    if frame.lines:
        rows = "".join(f'<tr class="{esc(css)}"><td class="ln">{esc(number)}</td>'
                       f"<td><code>{esc(text)}</code></td></tr>"
                       for number, text, css in frame.lines)
        parts.append(f'<table class="source">{rows}</table>')
    if frame.vars:
        parts.append(f'<div class="vars"><h5>Local variables</h5>{table_html(frame.vars)}</div>')
    parts.append("</details>")
    return "".join(parts)


def stack_html(stack: Stack) -> SafeString:
    """A stack trace, most recent call first: in-app frames open, system frames closed, a run
    of several system frames folded into one line."""
    parts = ['<div class="stack"><p class="muted stack-order">Most recent call first.</p>']
    if stack.omitted_note:
        parts.append(f'<p class="muted">{esc(stack.omitted_note)}</p>')
    for run in stack.runs:
        frames = "".join(frame_html(frame) for frame in run.frames)
        if run.folded:
            frames = (f'<details class="frame-run"><summary>{len(run.frames)} system frames'
                      f"</summary>{frames}</details>")
        parts.append(frames)
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 (our markup; every event value is escaped)


def crumb_html(crumb: Crumb) -> str:
    time = (f'<time datetime="{esc(crumb.time)}" title="{esc(crumb.exact)}">'
            f"{esc(crumb.clock)}</time>" if crumb.time else "")
    category = esc(crumb.category or crumb.type)
    if crumb.category and crumb.type != "default":
        category += f' <span class="muted">({esc(crumb.type)})</span>'
    message = ""
    if crumb.message.text:
        text = esc(crumb.message.text)
        message = f"<pre>{text}</pre>" if crumb.message.block else text
    level = esc(crumb.level)
    return (f'<tr class="crumb crumb-{level}"><td class="time">{time}</td><td>{category}</td>'
            f'<td><span class="level level-{level}">{level}</span></td>'
            f"<td>{message}{table_html(crumb.data)}</td></tr>")


def breadcrumbs_html(breadcrumbs: Breadcrumbs) -> SafeString:
    """The rows of the breadcrumbs timeline, oldest first."""
    return mark_safe("".join(crumb_html(crumb) for crumb in breadcrumbs.crumbs))  # noqa: S308
