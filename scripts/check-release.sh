#!/usr/bin/env bash
# Checks what a release would publish, without signing or uploading: builds with -Prelease-check (sources and javadoc
# jars; javadoc fails on any warning), checks that the library modules declare what their code uses
# (dependency:analyze), and verifies every published artifact's jars, manifest and POM metadata, that the BOM lists
# exactly the published artifacts, and that the sample, the benchmark and the Boot 3.5 test modules are never deployed.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -ntp -q -Prelease-check -DskipTests verify "$@"

# The library modules declare every dependency their code uses (none comes in only through another one). The
# package phase runs in the same invocation, so the modules find each other's jars in the reactor, not in ~/.m2.
analysis=$(./mvnw -B -ntp -DskipTests \
  -pl sherlock-core,sherlock-spring-boot-autoconfigure,sherlock-spring-boot3-autoconfigure,sherlock-spring-boot-starter \
  package dependency:analyze-only "$@")
if grep -q "Used undeclared dependencies found" <<<"$analysis"; then
  grep -E "Building |Used undeclared|^\[WARNING\]    " <<<"$analysis" >&2
  echo "Release check FAILED: a library module uses dependencies it does not declare (above)" >&2
  exit 1
fi

python3 - <<'PY'
import re, sys, zipfile, xml.etree.ElementTree as ET

NS = {"m": "http://maven.apache.org/POM/4.0.0"}
published = {
    "sherlock-core": "dev.sherlock",
    "sherlock-spring-boot-autoconfigure": "dev.sherlock.spring",
    "sherlock-spring-boot3-autoconfigure": "dev.sherlock.spring.boot3",
    "sherlock-spring-boot-starter": "dev.sherlock.spring.starter",
}
never_deployed = ["samples", "sherlock-benchmark", "sherlock-spring-boot3-tests",
                  "sherlock-spring-boot3-tests/autoconfigure", "sherlock-spring-boot3-tests/sample"]
problems = []

def pom(path):
    return ET.parse(path).getroot()

def text(root, path):
    element = root.find(path, NS)
    return element.text.strip() if element is not None and element.text else ""

parent = pom("pom.xml")
version = text(parent, "m:version")
for field in ["m:name", "m:description", "m:url", "m:licenses/m:license/m:name", "m:licenses/m:license/m:url",
              "m:developers/m:developer/m:name", "m:scm/m:url", "m:scm/m:connection"]:
    if not text(parent, field):
        problems.append(f"pom.xml: no <{field.replace('m:', '')}> (Maven Central requires it)")
if text(parent, "m:parent/m:artifactId"):
    problems.append("pom.xml inherits " + text(parent, "m:parent/m:artifactId") + "; import the Boot BOM instead")

for module, module_name in published.items():
    root = pom(f"{module}/pom.xml")
    for field in ["m:name", "m:description"]:
        if not text(root, field):
            problems.append(f"{module}/pom.xml: no <{field[2:]}>")
    for suffix in ["", "-sources", "-javadoc"]:
        jar = f"{module}/target/{module}-{version}{suffix}.jar"
        try:
            with zipfile.ZipFile(jar) as archive:
                names = archive.namelist()
                if suffix == "":
                    manifest = archive.read("META-INF/MANIFEST.MF").decode()
                    found = re.search(r"^Automatic-Module-Name: (\S+)", manifest, re.M)
                    if not found or found.group(1) != module_name:
                        problems.append(f"{jar}: Automatic-Module-Name should be {module_name}, is "
                                        f"{found.group(1) if found else 'missing'}")
                if suffix == "-javadoc" and "index.html" not in names:
                    problems.append(f"{jar}: no index.html")
                if suffix == "-sources" and not any(name.endswith(".java") for name in names):
                    problems.append(f"{jar}: no sources")
        except FileNotFoundError:
            problems.append(f"{jar}: missing")

bom = pom("sherlock-bom/pom.xml")
if text(bom, "m:version") != version:
    problems.append(f"sherlock-bom is version {text(bom, 'm:version')}, the build {version}")
if text(bom, "m:parent/m:artifactId"):
    problems.append("sherlock-bom must not have a parent")
listed = {d.find("m:artifactId", NS).text for d in bom.findall("m:dependencyManagement/m:dependencies/m:dependency", NS)}
if listed != set(published):
    problems.append(f"sherlock-bom lists {sorted(listed)}, the published artifacts are {sorted(published)}")
for field in ["m:url", "m:licenses/m:license/m:name", "m:scm/m:url", "m:developers/m:developer/m:name"]:
    if not text(bom, field):
        problems.append(f"sherlock-bom/pom.xml: no <{field.replace('m:', '')}>")

for module in never_deployed:
    root = pom(f"{module}/pom.xml")
    # Set in the module's POM, or inherited from the aggregator it sits in.
    skip = text(root, "m:properties/m:maven.deploy.skip") or (
        "/" in module and text(pom(f"{module.rsplit('/', 1)[0]}/pom.xml"), "m:properties/m:maven.deploy.skip"))
    if skip != "true":
        problems.append(f"{module}/pom.xml: maven.deploy.skip is not true; it must never be published")
    if text(root, "m:artifactId") not in {e.text for e in parent.iter("{http://maven.apache.org/POM/4.0.0}excludeArtifact")}:
        problems.append(f"{module}: not excluded from the Central upload in pom.xml's release profile")

try:
    if "Apache License" not in open("LICENSE").read():
        problems.append("LICENSE is not the Apache License")
except FileNotFoundError:
    problems.append("no LICENSE file")

if problems:
    print("Release check FAILED:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"Release check: {len(published)} artifacts with sources, javadoc and module names, every used dependency declared; BOM, POM metadata and"
      " LICENSE in place; samples, benchmark and Boot 3.5 test modules not deployed")
PY
