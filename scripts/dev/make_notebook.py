"""Builds a notebook (outputs cleared, cell ids, the genai-ts kernel) from a text file whose cells
start with a line "%% md" or "%% code". Usage: /usr/bin/python3 scripts/dev/make_notebook.py SRC.txt OUT.ipynb
A convenience for authors; the .ipynb is what is committed and what learners edit."""
import nbformat, sys, re
src, out = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf8").read()
parts = re.split(r"^%% (md|code)\s*$", text, flags=re.M)
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "genai-ts", "display_name": "TypeScript (GenAI course)", "language": "typescript"}
nb.metadata["language_info"] = {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"}
for kind, body in zip(parts[1::2], parts[2::2]):
    body = body.strip("\n")
    nb.cells.append(nbformat.v4.new_markdown_cell(body) if kind == "md" else nbformat.v4.new_code_cell(body))
nbformat.validate(nb)
nbformat.write(nb, out)
print("wrote", out, len(nb.cells), "cells")
