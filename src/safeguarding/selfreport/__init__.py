"""The self-report route (docs/self-report.md): a young person's hashes, made on their own
device, into a bank that a hotline reviews; a case number and PIN to follow or withdraw it."""

from safeguarding.selfreport.model import CaseView, Category, Receipt, Status
from safeguarding.selfreport.service import SelfReports

__all__ = ["CaseView", "Category", "Receipt", "SelfReports", "Status"]
