"""Validates notebooks against the nbformat schema and compiles every code cell (Python syntax).

usage: /usr/bin/python3 .ci/check_notebooks.py notebooks/*.ipynb   (needs Debian's python3-nbformat)
Their SQL statements are run by the JUnit test HdfsPipelineIT.Notebooks.
"""
import sys

import nbformat

if len(sys.argv) < 2:
    sys.exit("check_notebooks: no notebook given")
for path in sys.argv[1:]:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            compile(cell.source, f"{path} cell {index}", "exec")
    print(f"{path}: valid nbformat {notebook.nbformat}.{notebook.nbformat_minor}; {len(code)} code cells compile")
