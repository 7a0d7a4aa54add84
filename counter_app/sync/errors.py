"""Sync errors: a stable code for logs and the server, a Chinese message for the clerk.

Every failure the pusher meets becomes a :class:`SyncError`. ``retryable`` decides what the
pusher does next: retry with backoff (network, 5xx, 429) or stop until a person resumes it
(every other refusal, and any sign that the server and this window disagree about history).
"""

from __future__ import annotations

from dataclasses import dataclass

# Codes the client raises itself (server codes such as BAD_SIGNATURE pass through unchanged).
NETWORK = "NETWORK"
SERVER_ERROR = "SERVER_ERROR"
RATE_LIMITED = "RATE_LIMITED"
BAD_RESPONSE = "BAD_RESPONSE"
BAD_RECEIPT = "BAD_RECEIPT"
ROLLBACK = "ROLLBACK"
FORK = "FORK"
NO_PROGRESS = "NO_PROGRESS"
NOT_ENROLLED = "NOT_ENROLLED"
INTERNAL = "INTERNAL"
LEDGER_TAMPERED = "LEDGER_TAMPERED"
LEDGER_HOLE = "LEDGER_HOLE"
NOT_PUBLISHED = "NOT_PUBLISHED"
BAD_SERVER_URL = "BAD_SERVER_URL"
PLAIN_HTTP_REFUSED = "PLAIN_HTTP_REFUSED"
TLS_ERROR = "TLS_ERROR"

_MESSAGES: dict[str, str] = {
    NETWORK: "无法连接电子监察服务器，数据已安全保存在本机，网络恢复后将自动上传。",
    SERVER_ERROR: "电子监察服务器暂时出错，数据已安全保存在本机，稍后将自动重试。",
    RATE_LIMITED: "电子监察服务器繁忙，稍后将自动重试。",
    BAD_RESPONSE: "电子监察服务器的答复无法识别，稍后将自动重试。",
    BAD_RECEIPT: "电子监察服务器的回执签名无效，同步已暂停，请联系管理员。",
    ROLLBACK: (
        "本窗口的数据比服务器上的旧（可能从旧备份恢复），同步已暂停，请立即联系管理员，不要删除任何数据。"
    ),
    FORK: "本窗口的记录与服务器已收到的记录不一致，同步已暂停，请立即联系管理员，不要删除任何数据。",
    NO_PROGRESS: "上传没有进展，稍后将自动重试。",
    NOT_ENROLLED: "本窗口尚未在电子监察服务器登记，请由管理员完成设备登记。",
    INTERNAL: "同步程序出错，数据已安全保存在本机，稍后将自动重试。",
    LEDGER_TAMPERED: (
        "本机账本自检未通过（记录被改动或删除），已停止上传并报告电子监察服务器，"
        "请立即联系管理员，不要删除任何数据。"
    ),
    LEDGER_HOLE: (
        "本机有尚未上传的记录被删除，已报告电子监察服务器；在管理员确认之前暂停上传，"
        "确认后将自动继续，心跳照常发送。"
    ),
    NOT_PUBLISHED: "服务器尚未发布事项目录或日历，本窗口继续使用本机已有的数据。",
    "UNKNOWN_DEVICE": "电子监察服务器不认识本设备，同步已暂停，请由管理员重新登记设备。",
    "BAD_SIGNATURE": "电子监察服务器认为本窗口的数据签名无效，同步已暂停，请联系管理员。",
    "BAD_HASH": "电子监察服务器认为本窗口的数据已被改动，同步已暂停，请联系管理员。",
    "MALFORMED_JSON": "电子监察服务器无法读取上传的数据，同步已暂停，请联系管理员。",
    "CASE_NOT_HOLDER": "电子监察服务器拒收：本窗口的记录涉及不归本窗口办理的办件，同步已暂停，请立即联系管理员。",
    "CASE_NO_FOREIGN": "电子监察服务器拒收：本窗口的记录使用了其他窗口的办件编号，同步已暂停，请立即联系管理员。",
    "CASE_NO_TAKEN": "电子监察服务器拒收：本窗口重复使用了已登记的办件编号，同步已暂停，请立即联系管理员。",
    BAD_SERVER_URL: "电子监察服务器地址无效，应以 https:// 开头，请联系管理员。",
    PLAIN_HTTP_REFUSED: (
        "电子监察服务器地址未加密（http://），本窗口拒绝通过未加密的网络传送数据；"
        "请改用 https:// 地址，或由管理员执行 counter config allow_plain_http yes 明确允许。"
    ),
    TLS_ERROR: "无法验证电子监察服务器的证书（可能证书过期或被冒充），数据已安全保存在本机，请联系管理员。",
    "ENROLL_CODE_UNKNOWN": "登记码无效，请向管理员索取新的登记码。",
    "ENROLL_CODE_EXPIRED": "登记码已过期，请向管理员索取新的登记码。",
    "ENROLL_CODE_USED": "登记码已被使用，请向管理员索取新的登记码。",
    "DEVICE_EXISTS": "本设备编号已用另一把密钥登记，请联系管理员。",
    "DEVICE_ENROLLED": "本设备已登记在其他窗口；如需改到本窗口，请管理员为本设备发放改登记码。",
    "ENROLL_MISMATCH": "登记码不属于本窗口（登记码未被使用），请在正确的窗口使用或索取本窗口的登记码。",
    "ENROLL_ROLE_MISMATCH": "登记码与本机的设备类型不符（窗口或取号机；登记码未被使用），请索取与本机类型一致的登记码。",
    "ENROLL_CODE_OTHER_DEVICE": "该登记码是为另一台设备发放的，请向管理员索取本设备的登记码。",
    "WEAK_PUBLIC_KEY": "本设备的密钥不安全，不能登记，请联系管理员重新初始化本窗口。",
    "HEARTBEAT_STALE": "本机时钟与服务器相差过大，心跳未被接受，请校准本机时间。",
    "HEARTBEAT_REPLAYED": "心跳编号早于服务器已收到的编号，将在下次心跳时自动更正。",
}

_STOPPED_DEFAULT = "电子监察服务器拒绝了本窗口上传的数据，同步已暂停，请联系管理员。"


def clerk_message(code: str, retryable: bool = False) -> str:
    """The Chinese text shown to a clerk for ``code``; a stop also names the code for support."""
    text = _MESSAGES.get(code) or (_MESSAGES[SERVER_ERROR] if retryable else _STOPPED_DEFAULT)
    return text if retryable else text + "（错误代码：" + code + "）"


def reference_message(error: SyncError) -> str:
    """What a failed catalog/calendar pull means to a clerk: never a refusal of the events."""
    if error.code == NOT_PUBLISHED:
        return _MESSAGES[NOT_PUBLISHED]
    return "未能更新事项目录和日历，本窗口继续使用本机已有的数据：" + error.message


@dataclass(frozen=True)
class ErrorInfo:
    """What the status bar shows about the last failure: code, clerk message, log detail."""

    code: str
    message: str
    detail: str = ""
    http_status: int | None = None


class SyncError(Exception):
    """A failed sync step; ``retryable`` errors are retried, the others stop the pusher."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        retryable: bool,
        http_status: int | None = None,
        message: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(f"[{code}] {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.retryable = retryable
        self.http_status = http_status
        self.message = message or clerk_message(code, retryable)
        self.retry_after_s = retry_after_s

    def info(self) -> ErrorInfo:
        """The error as the immutable record kept in the status."""
        return ErrorInfo(self.code, self.message, self.detail, self.http_status)
