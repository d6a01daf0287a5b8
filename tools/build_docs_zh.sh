#!/usr/bin/env bash
# The docs in both languages, and the Chinese catalogues.
#
#   tools/build_docs_zh.sh            build English into docs/_build/html and Chinese into
#                                     docs/_build/html/zh_CN (every tutorial executed in both,
#                                     warnings are errors), as CI does
#   tools/build_docs_zh.sh update     after changing the English text: extract the messages
#                                     (sphinx-build -b gettext) and update the translated
#                                     catalogues in docs/locale/zh_CN (sphinx-intl), then edit
#                                     the msgstr lines there; a changed paragraph comes back
#                                     marked fuzzy (shown in English until it is translated)
#   tools/build_docs_zh.sh update DOC also start a catalogue for DOC (e.g. tutorials/11_x)
#
# Only the documents that have a catalogue are translated; the others show in English.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALE=docs/locale
OUT=docs/_build

if [ "${1:-build}" = "update" ]; then
    shift
    # Extraction needs no execution: the outputs are not translated.
    python -m sphinx -b gettext -D nb_execution_mode=off docs "$OUT/gettext" -q \
        2> >(grep -v -e "lexer" -e "IPKernelApp" -e "traitlets" >&2 || true)
    pots=$(mktemp -d)
    trap 'rm -rf "$pots"' EXIT
    docs=$(cd "$LOCALE/zh_CN/LC_MESSAGES" && find . -name '*.po' | sed 's|^\./||; s|\.po$||')
    for doc in $docs "$@"; do
        mkdir -p "$pots/$(dirname "$doc")"
        cp "$OUT/gettext/$doc.pot" "$pots/$doc.pot"
    done
    sphinx-intl update -p "$pots" -l zh_CN -d "$LOCALE" -w 76
    exit 0
fi

python -m sphinx -W -b html docs "$OUT/html" -q
python -m sphinx -W -b html -D language=zh_CN docs "$OUT/html/zh_CN" -q
echo "English: $OUT/html/index.html   中文: $OUT/html/zh_CN/index.html"
