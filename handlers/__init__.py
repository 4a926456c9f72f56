"""Platform-neutral handlers and the neutral messages they take and give."""

from handlers.handlers import Handlers, problem_for, replies_on_error
from handlers.messages import (
    CaseStatusReply,
    CaseUpdated,
    HelpText,
    IncomingMessage,
    PrivacyNotice,
    Problem,
    QueueListing,
    Reply,
    ReplyType,
    ReportReceived,
)
from handlers.render import render_text

__all__ = [
    "CaseStatusReply",
    "CaseUpdated",
    "Handlers",
    "HelpText",
    "IncomingMessage",
    "PrivacyNotice",
    "Problem",
    "QueueListing",
    "Reply",
    "ReplyType",
    "ReportReceived",
    "problem_for",
    "render_text",
    "replies_on_error",
]
