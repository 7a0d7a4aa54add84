"""Renderers in process: codes geometry, page sizes, page counts, reproducible output.

Reading the PDFs back with poppler and zbar is in tests/integration/test_receipt_pdfs.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm

from counter_app.receipts import (
    ReceiptDataError,
    render_acceptance_receipt,
    render_completion_notice,
    render_correction_notice,
    render_rejection_notice,
    render_ticket_slip,
    samples,
)
from counter_app.receipts.codes import (
    QUIET_ZONE_MODULES,
    Code128Flowable,
    code128_modules,
    code128_rects,
    qr_matrix,
    qr_rects,
)


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def test_code128_rects_span_the_symbol() -> None:
    value = "K01-W03-20261125-0007"
    modules = code128_modules(value)
    rects = code128_rects(value, 1.0, 30.0)
    assert rects[0][0] == QUIET_ZONE_MODULES  # first bar right after the quiet zone
    last_x, _, last_w, _ = rects[-1]
    assert last_x + last_w == QUIET_ZONE_MODULES + modules  # stop pattern ends the symbol
    assert all(h == 30.0 for *_, h in rects)
    assert sum(w for _, _, w, _ in rects) < modules  # there are spaces between bars


def test_code128_flowable_fits_the_width_it_gets() -> None:
    flowable = Code128Flowable("YX330781-20261125-03K7Q-0007", max_module=0.9, min_module=0.6)
    _, height = flowable.wrap(500, 100)
    assert flowable.module == 0.9
    narrow_width, _ = flowable.wrap(220, 100)
    assert narrow_width <= 220
    assert 0.6 <= flowable.module < 0.9
    tiny_width, _ = flowable.wrap(50, 100)
    assert flowable.module == 0.6  # never below the readable minimum
    assert tiny_width > 50
    assert height == flowable.bar_height


def test_qr_rects_stay_inside_the_quiet_zone() -> None:
    url = "https://zwfw.example.gov.cn/check?no=K01-W03-20261125-0007&code=8F3K2Q9M"
    size = 85.0
    count = len(qr_matrix(url))
    module = size / (count + 8)
    rects = qr_rects(url, size)
    assert min(x for x, *_ in rects) == pytest.approx(4 * module)
    assert max(x + w for x, _, w, _ in rects) == pytest.approx(size - 4 * module)
    assert max(y + h for _, y, _, h in rects) <= size - 4 * module + module * 0.05


def test_receipt_page_sizes() -> None:
    a4 = render_acceptance_receipt(samples.acceptance_receipt())
    a5 = render_acceptance_receipt(samples.acceptance_receipt(), pagesize="A5")
    assert a4.startswith(b"%PDF-")
    assert media_boxes(a4) == [pytest.approx(A4, abs=0.01)]
    assert media_boxes(a5) == [pytest.approx(A5, abs=0.01)]


def test_unknown_page_size_is_refused() -> None:
    with pytest.raises(ReceiptDataError):
        render_acceptance_receipt(samples.acceptance_receipt(), pagesize="Letter")


def test_long_receipt_flows_onto_a_second_page() -> None:
    pdf = render_acceptance_receipt(samples.long_receipt())
    assert len(media_boxes(pdf)) == 2


def test_every_notice_renders_on_one_a4_page() -> None:
    for pdf in (
        render_correction_notice(samples.correction_notice()),
        render_rejection_notice(samples.rejection_notice()),
        render_completion_notice(samples.completion_notice()),
    ):
        assert media_boxes(pdf) == [pytest.approx(A4, abs=0.01)]


def test_output_is_reproducible_and_carries_no_clock_time() -> None:
    first = render_acceptance_receipt(samples.acceptance_receipt())
    second = render_acceptance_receipt(samples.acceptance_receipt())
    assert first == second
    assert b"/CreationDate (D:20000101000000+00'00')" in first


def test_slip_is_80_mm_wide_and_fitted_to_content() -> None:
    slip = samples.ticket_slip()
    short = media_boxes(render_ticket_slip(replace(slip, window_hint="", footer="")))
    long = media_boxes(render_ticket_slip(replace(slip, window_hint="请留意叫号。" * 12)))
    assert len(short) == len(long) == 1
    assert short[0][0] == pytest.approx(80 * mm, abs=0.01)
    assert long[0][0] == pytest.approx(80 * mm, abs=0.01)
    assert long[0][1] > short[0][1] + 20  # the longer hint made the slip longer, still one page
    assert 60 * mm < short[0][1] < 120 * mm


def test_receipt_without_promise_date_and_with_rare_characters() -> None:
    data = replace(
        samples.acceptance_receipt(),
        promise_due=None,
        promise_estimated=False,
        applicant=replace(samples.PERSON, name="闫喆 & <堃>"),
        materials=(),
    )
    assert render_acceptance_receipt(data).startswith(b"%PDF-")


def test_rendering_from_several_threads_gives_the_same_bytes() -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = samples.acceptance_receipt()
    expected = render_acceptance_receipt(data)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_acceptance_receipt(data), range(8)))
    assert all(result == expected for result in results)


def test_documents_are_built_with_reportlabs_c_helpers() -> None:
    """reportlab's number formatting and string widths run in C (the rl_accel package), not in its
    pure-Python fallbacks: about 15 % of a receipt's CPU (``bench/run.py --only receipts``)."""
    from reportlab.lib import rl_accel

    assert {"fp_str", "instanceStringWidthTTF", "escapePDF"} <= set(rl_accel._c_funcs)
    assert rl_accel.fp_str is rl_accel._c_funcs["fp_str"]
