"""Accessibility checks for the browser tests: axe-core against WCAG 2.2 AA, and phone width.

``assert_accessible(page)`` runs axe-core (vendored from the npm package
``axe-core`` 4.14.1, with its licence, in tests/data/axe-core/) on the page
Playwright has open and fails with one readable line per problem: the rule,
its impact, the elements and a link explaining the fix. The script is given
to the page through ``page.evaluate`` (the DevTools protocol), so Kith's
Content-Security-Policy, which allows no inline scripts, need not change.

``phone_overflow(page)`` checks the page at 320 by 640 pixels (WCAG's reflow
width) for sideways scrolling: the document must be no wider than the window
(``scrollWidth <= innerWidth``). Wide content may scroll only inside a
region that is labelled and scrolls by itself (a wide table in a
``role="region"`` with ``aria-label`` and ``tabindex="0"``), which leaves the
document's width alone; when the check fails, the elements that reach past
the window, outside such regions, are named.

``Findings`` gathers what many pages found, so a test that visits every page
type reports them all at once instead of stopping at the first.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

AXE_SCRIPT = Path(__file__).parent / "data" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page, *, exclude: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's violations of the WCAG 2.2 A and AA rules on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    return page.evaluate(
        """async ([context, tags]) => {
            const results = await axe.run(context || document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                targets: v.nodes.map((n) => n.target.join(" ")),
                summary: v.nodes.length ? n_summary(v.nodes[0]) : "",
            }));
            function n_summary(node) {
                return (node.failureSummary || "").split("\\n").slice(0, 3).join(" ");
            }
        }""",
        [context, WCAG_TAGS],
    )


def describe(violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        targets = ", ".join(v["targets"][:5])
        more = f" (and {len(v['targets']) - 5} more)" if len(v["targets"]) > 5 else ""
        lines.append(
            f"{v['id']} [{v['impact']}] {v['help']}: {targets}{more}. "
            f"{v['summary']} See {v['helpUrl']}"
        )
    return lines


OVERFLOW_SCRIPT = """() => {
    const width = window.innerWidth;
    const scroller = document.scrollingElement;
    const inLabelledScroller = (el) => {
        for (let p = el.parentElement; p; p = p.parentElement) {
            const style = getComputedStyle(p);
            const scrolls = ["auto", "scroll"].includes(style.overflowX);
            const labelled = p.hasAttribute("aria-label") || p.hasAttribute("aria-labelledby");
            if (scrolls && labelled && p.getBoundingClientRect().right <= width + 1) return true;
        }
        return false;
    };
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.right > width + 1 && !inLabelledScroller(el)) {
            const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\\s+/).join(".") : "");
            wide.push(`${name} reaches ${Math.round(box.right)}px`);
        }
    }
    // A region that scrolls sideways must be named, so people know what they scroll.
    const unlabelled = [];
    for (const el of document.body.querySelectorAll("*")) {
        const style = getComputedStyle(el);
        if (!["auto", "scroll"].includes(style.overflowX)) continue;
        if (el.scrollWidth <= el.clientWidth + 1) continue;
        if (el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby")) continue;
        unlabelled.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
    }
    return {scrollWidth: scroller.scrollWidth, width, wide: wide.slice(0, 6), unlabelled};
}"""


def phone_overflow(page) -> list[str]:
    """What makes the page scroll sideways at 320 pixels wide (empty if nothing does).

    Leaves the page at phone size; the caller sets the size back."""
    page.set_viewport_size(PHONE)
    found = page.evaluate(OVERFLOW_SCRIPT)
    problems = [f"{name} scrolls sideways but has no label" for name in found["unlabelled"]]
    if found["scrollWidth"] > found["width"]:
        problems += [
            f"the page is {found['scrollWidth']}px wide in a {found['width']}px window",
            *found["wide"],
        ]
    return problems


def _screenshot(page, label: str) -> str:
    """A full-page screenshot in a temporary folder (never the repository), for a failure."""
    folder = Path(tempfile.mkdtemp(prefix="kith-a11y-"))
    name = "".join(c if c.isalnum() else "-" for c in label)[:80] + ".png"
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    return str(path)


@dataclass
class Findings:
    """Problems found on many pages, reported together at the end of a test."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    pages: int = 0

    def check(self, page, label: str, *, phone: bool = True, exclude: tuple[str, ...] = ()) -> None:
        """Run axe on the page as it is open now, then (``phone``) check it at 320px."""
        self.pages += 1
        found = [f"axe: {line}" for line in describe(axe_violations(page, exclude=exclude))]
        if phone:
            overflow = phone_overflow(page)
            if overflow:
                shot = _screenshot(page, label)
                found.append("phone width: " + "; ".join(overflow) + f" (screenshot {shot})")
            page.set_viewport_size(DESKTOP)
        if found:
            self.problems[f"{label} ({page.url})"] = found

    def report(self) -> str:
        return "\n".join(
            f"{where}:\n" + "\n".join(f"  - {line}" for line in lines)
            for where, lines in self.problems.items()
        )

    def assert_none(self) -> None:
        assert not self.problems, (
            f"Accessibility problems on {len(self.problems)} of {self.pages} pages:\n"
            + self.report()
        )


def assert_accessible(page, label: str = "", *, phone: bool = True) -> None:
    """Fail with a readable list if axe or the phone-width check finds anything here."""
    findings = Findings()
    findings.check(page, label or page.url, phone=phone)
    findings.assert_none()
