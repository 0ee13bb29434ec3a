"""Notion into the vault: export zips and folders (export_reader) and the API (api_*), both as
NotionPage objects (model) written by one writer (write.write_pages)."""

from .model import Attachment, NotionPage, PageFailure
from .report import NotionReport
from .write import write_pages

__all__ = ["Attachment", "NotionPage", "NotionReport", "PageFailure", "write_pages"]
