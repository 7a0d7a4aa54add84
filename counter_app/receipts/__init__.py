"""Receipts, notices and ticket slips as PDF bytes (reportlab, python-barcode, qrcode).

No Qt, no database, no clock: the service layer fills the dataclasses of
:mod:`counter_app.receipts.model` and calls a renderer. ESC/POS output for thermal printers is in
:mod:`counter_app.receipts.escpos_slip` (imported on demand: python-escpos is a ``[gui]`` extra).
Realistic sample data for previews lives in :mod:`counter_app.receipts.samples`.
"""

from counter_app.domain.masking import mask_cert_no, mask_phone
from counter_app.receipts.documents import (
    render_acceptance_receipt,
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
    render_ticket_slip,
)
from counter_app.receipts.fonts import missing_glyphs, register_fonts
from counter_app.receipts.model import (
    AcceptanceReceipt,
    Applicant,
    CaseInfo,
    CompletionNotice,
    CorrectionNotice,
    HallInfo,
    MaterialForm,
    MaterialLine,
    MaterialStatus,
    ReceiptDataError,
    Refusal,
    RejectionNotice,
    TicketSlip,
    check_url,
)

__all__ = [
    "AcceptanceReceipt",
    "Applicant",
    "CaseInfo",
    "CompletionNotice",
    "CorrectionNotice",
    "HallInfo",
    "MaterialForm",
    "MaterialLine",
    "MaterialStatus",
    "ReceiptDataError",
    "Refusal",
    "RejectionNotice",
    "TicketSlip",
    "check_url",
    "mask_cert_no",
    "mask_phone",
    "missing_glyphs",
    "register_fonts",
    "render_acceptance_receipt",
    "render_completion_notice",
    "render_correction_notice",
    "render_rejection_notice",
    "render_ticket_slip",
]
