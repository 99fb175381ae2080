"""The transparency report as PDF: the standalone HTML page laid out by WeasyPrint (the `pdf`
extra), which needs the Pango text library from the system (Debian: libpango-1.0-0 and
libpangoft2-1.0-0; `scripts/install-system-deps` adds them). Imported only here, and only
when a PDF is asked for."""

from __future__ import annotations

from typing import Any

from PIL import ImageFile

from safeguarding.errors import MissingDependencyError

FEATURE = "The PDF report"
#: what to do without WeasyPrint: the HTML page prints to PDF from any browser
FALLBACK = "or write --format html and print it to PDF from a browser"


class PdfUnavailableError(MissingDependencyError):
    """WeasyPrint is installed but the system's Pango is not."""

    def __init__(self, why: str) -> None:
        super().__init__("weasyprint", "pdf", FEATURE)
        self.args = (
            f"{FEATURE} needs the Pango library (Debian: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0; WeasyPrint said: {why[:200]}), {FALLBACK}",
        )


def _weasyprint() -> Any:
    # WeasyPrint's import sets Pillow's process-wide LOAD_TRUNCATED_IMAGES to True: in a
    # process that also hashes uploads, truncated files would then decode as images instead
    # of being refused (media/, device/images/). Its own images are our report's, so the
    # setting is put back as it was.
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    except ImportError:
        raise MissingDependencyError("weasyprint", "pdf", FEATURE) from None
    except OSError as exc:  # the package is there, the system library is not
        raise PdfUnavailableError(str(exc)) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return weasyprint


def require() -> None:
    """Fail now, before the report is summed, when no PDF can be written."""
    _weasyprint()


def html_to_pdf(html: str) -> bytes:
    """A PDF of a standalone page (no outside resources: nothing is fetched)."""
    weasyprint = _weasyprint()
    document: bytes = weasyprint.HTML(string=html, base_url=None).write_pdf()
    return document
