"""The core's fixed words that reach people, marked here for the catalogs.

The core stays language-free: it says things in English (case states, reasons a link or a
picture was refused). Those texts are message ids; listing them here lets ``pybabel extract``
find them, and the rendering translates them by lookup. A core text missing from this list is
shown in English (the test of the catalogs lists the core's texts it checks).
"""

from __future__ import annotations

from handlers.i18n import N_

#: the public states of a case (``core.model.PUBLIC_STATUS``)
PUBLIC_STATES = (
    N_("received, waiting for review"),
    N_("under review by the moderators"),
    N_("confirmed, a removal request is being prepared"),
    N_("removal requested from the platform"),
    N_("taken down"),
    N_("closed after review"),
    N_("merged into another case"),
)

#: reasons a link or a picture was not accepted, as the core words them
REASONS = (
    N_("too many reports, slow down"),
    N_("empty link"),
    N_("a link cannot contain spaces or control characters"),
    N_("malformed link"),
    N_("not a web link"),
    N_("only http and https links can be reported"),
    N_("the link has no host"),
    N_("the link has an invalid port"),
    N_("the link points to a private or local address"),
    N_("the link has no valid host"),
    N_("the link has an invalid international domain name"),
    N_("not a public web address"),
    N_("no link or picture found in the report"),
    N_("nothing to report"),
    N_("pictures are not accepted here"),
    N_("HEIC/HEIF images are not supported yet"),
    N_("the file is not an image"),
    N_("the image has too many pixels"),
    N_("the image is too large to decode"),
    N_("the image could not be decoded"),
    N_("the picture took too long to process"),
    N_("the picture could not be processed"),
    N_("the host did not answer in time"),
    N_("the page has no image"),
    N_("the host could not be reached"),
    N_("the host name could not be resolved"),
    N_("the file is too large"),
    N_("the link does not lead to an image"),
    N_("the download was interrupted"),
)

#: refusals of a reporter's name (``core.reporter_moderation``; a test checks they are the same)
PSEUDONYM_REFUSALS = (
    N_("name a reporter by their pseudonym, like telegram:3f9a0c21d4"),
    N_("a reporter pseudonym is at least 6 hex digits"),
    N_("that pseudonym matches several reporters; give more digits"),
)

#: ``core.notify.texts.OFFER`` and ``OFFER_CONSOLE`` (a test checks they are the same)
OFFER = N_(
    "Want to hear when it's down? Press the button and I'll message you here once the "
    "reported link is removed (your account is kept only until then)."
)
OFFER_CONSOLE = N_("Tell you when it's down? (yes/no)")
#: ``core.notify.texts.REMOVED``: the "it's down" notice (a test checks they are the same)
REMOVED = N_(
    "Good news: case %(code)s, which you reported, is down — the platform removed it. "
    "Thank you for reporting."
)

#: reporter trust (core.trust): the warning before a suspension, and the refusal during one
TRUST = (
    N_(
        "Warning: several of your reports were dismissed as false or abusive. If this goes on, "
        "your reports will be suspended for %(days)s days."
    ),
    N_(
        "your reports are suspended until %(until)s UTC because several of your reports were "
        "found to be false or abusive; nothing was recorded. To appeal, contact the creator's "
        "moderators."
    ),
)
