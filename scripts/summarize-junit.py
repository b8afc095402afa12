#!/usr/bin/env python3
"""Adds up JUnit XML reports (gtest and pytest) and prints one line:
'N passed, N failed, N skipped'. Exits 1 when anything failed or a report
is missing or unreadable."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
broken = []
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        broken.append(f"{path}: {e}")
        continue
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"FAILED {case.get('classname')}.{case.get('name')}")
        elif case.find("skipped") is not None or case.get("result") == "skipped" or case.get("status") == "notrun":
            skipped += 1
        else:
            passed += 1
for b in broken:
    print(f"unreadable report {b}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or broken or passed == 0 else 0)
