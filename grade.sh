#!/bin/sh
# make grade: build the kernel, run the tests of tools/grade.tests, print
# the score. tools/grade.py says how (words, LAB, JSON, JUnit, ...);
# tools/gradelib.py is the runner behind it.
cd "$(dirname "$0")" && exec python3 tools/grade.py "$@"
