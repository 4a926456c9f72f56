#!/bin/sh
# leakdesk catalogs: extract the texts, update every language, check them.
#   tools/i18n.sh            extract + update (run after adding or changing a text)
#   tools/i18n.sh init LANG  start a new language (then add it to handlers.i18n.LANGUAGES)
set -eu
cd "$(dirname "$0")/.."
POT=handlers/locales/leakdesk.pot
KEYWORDS="-k N_ -k t -k plural:1,2 -k _T -k C_:1c,2"
pybabel extract -F babel.cfg --no-location --sort-output \
    --project=leakdesk --copyright-holder=leakdesk $KEYWORDS -o "$POT" handlers bots core
if [ "${1:-}" = "init" ]; then
    pybabel init -D leakdesk -i "$POT" -d handlers/locales -l "$2"
    exit 0
fi
pybabel update -D leakdesk -i "$POT" -d handlers/locales --no-fuzzy-matching --ignore-obsolete
