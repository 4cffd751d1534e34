"""Writes a memo's and a sweep's SVG charts with the attncost binary and parses each with
xml.etree: every chart must be well-formed XML with an <svg> root and at least one drawn line."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

binary, out = sys.argv[1], sys.argv[2]
import shutil
shutil.rmtree(out, ignore_errors=True)  # charts of an earlier build with other names would be counted
os.makedirs(out)
subprocess.run([binary, "plan", "--workload", "chat:ctx=8192,batch=32,slo_ms=30", "--workload", "doc:ctx=131072",
                "--format", "md", "-o", os.path.join(out, "memo.md")], check=True)
subprocess.run([binary, "sweep", "--ctx", "1k,8k,64k", "--gqa", "32,8", "--chart", os.path.join(out, "sweep.svg"),
                "-o", os.path.join(out, "sweep.csv")], check=True)
charts = [f for f in os.listdir(out) if f.endswith(".svg")]
assert len(charts) == 8, charts  # memo: memory, ITL and TTFT per workload + the fit bars; sweep: one
for name in charts:
    root = ET.parse(os.path.join(out, name)).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", (name, root.tag)
    drawn = root.findall(".//{http://www.w3.org/2000/svg}polyline") + root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert len(drawn) >= 2, name
print(f"{len(charts)} charts well-formed")
