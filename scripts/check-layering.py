#!/usr/bin/env python3
"""Checks the module rules of docs/ARCHITECTURE.md against the code:

- every module a Swift file imports is declared as a dependency of its target in Package.swift, and every
  project module a target declares is imported somewhere in it;
- library modules never import a zone executable, and Charts, Bundle and Registry never import one another;
- Cluster (runtime configuration and manifests) stays offline: it never imports Registry or HTTP.

Prints each violation and exits 1 if there is one."""
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = open(os.path.join(root, "Package.swift")).read()

targets = {}   # name -> (directory, declared dependencies)
starts = [m for m in re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(name: "(\w+)"', package)]
for i, match in enumerate(starts):
    end = starts[i + 1].start() if i + 1 < len(starts) else len(package)
    name, rest = match.group(2), package[match.end():end]
    if match.group(1) == "systemLibrary":
        targets[name] = ("Sources/" + name, set())
        continue
    deps_match = re.search(r'dependencies: \[(.*?)\]', rest, re.S)
    deps = set(re.findall(r'"(\w+)"', deps_match.group(1))) if deps_match else set()
    deps |= set(re.findall(r'\.product\(name: "(\w+)"', rest))
    path = re.search(r'path: "([^"]+)"', rest)
    kind = "Tests" if match.group(0).startswith(".testTarget") else "Sources"
    targets[name] = (path.group(1) if path else f"{kind}/{name}", deps)

system = {"Foundation", "Glibc", "Darwin", "Dispatch", "Synchronization", "Testing", "XCTest", "FoundationNetworking"}
project = set(targets)
zones = {"ConnectedZone", "TransitZone", "AirgapZone"}
apart = {"Charts", "Bundle", "Registry"}
offline = {"Cluster": {"Registry", "HTTP"}}
problems = []
for name, (directory, declared) in sorted(targets.items()):
    imported = set()
    for folder, _, files in os.walk(os.path.join(root, directory)):
        for file in files:
            if not file.endswith(".swift"):
                continue
            path = os.path.join(folder, file)
            for module in re.findall(r'^(?:@testable |@_implementationOnly )?import (\w+)', open(path).read(), re.M):
                imported.add(module)
                where = os.path.relpath(path, root)
                if module in system or module == name:
                    continue
                if module not in declared:
                    problems.append(f"{where}: imports {module}, which {name} does not declare in Package.swift")
                if name not in zones and not name.endswith("Tests") and module in zones:
                    problems.append(f"{where}: a library module imports the zone {module}")
                if name in apart and module in apart:
                    problems.append(f"{where}: {name} imports {module} (Charts, Bundle and Registry stay apart)")
                if module in offline.get(name, set()):
                    problems.append(f"{where}: {name} imports {module} ({name} stays offline; registry lookups belong to the zone)")
    for unused in sorted((declared & project) - imported):
        if targets.get(unused, ("", set()))[0].startswith("Sources/C"):
            continue   # a system library shim can be needed only for linking
        problems.append(f"Package.swift: {name} declares {unused} but never imports it")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
