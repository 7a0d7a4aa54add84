"""Personal data as shown to people who need not see all of it (脱敏).

One definition for the receipts a window prints and for the server's public check page and
admin lists, so a name or ID number is never hidden one way on paper and another on screen.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """A person's name with all but its first and last characters hidden.

    张小三 -> 张*三, 欧阳小明 -> 欧**明; a two-character name keeps its first (张三 -> 张*) and a
    one-character name is hidden wholly (李 -> *), since showing it would show it all.
    """
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def mask_cert_no(cert_no: str) -> str:
    """An ID number with its middle hidden: the first 6 and last 4 characters are kept.

    ``110105199001010021`` becomes ``110105********0021``. Numbers shorter than 12 characters
    (passports, permits) keep only their first and last 2; 4 characters or fewer are fully masked.
    """
    text = cert_no.strip()
    n = len(text)
    if n >= 12:
        return text[:6] + "*" * (n - 10) + text[-4:]
    if n > 4:
        return text[:2] + "*" * (n - 4) + text[-2:]
    return "*" * n


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden: the first 3 and last 4 characters are kept (138****5678)."""
    text = phone.strip()
    if len(text) < 8:
        return text
    return text[:3] + "*" * (len(text) - 7) + text[-4:]
