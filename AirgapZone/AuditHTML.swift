import Pipeline

/// The HTML report of `airgap audit`: one self-contained file (inline CSS, SVG and script; a Content-Security-Policy
/// that forbids loading anything), opened inside the gap. Summary counts, a bar chart of the states, a sortable and
/// filterable table with one row per tag (class `state-<state>`), and the details of each image. Every text that
/// comes from the registry or a signature is escaped.
enum AuditHTML {
    /// Colours of the states, in the order of `AuditState.allCases`.
    static let colours: [AuditState: String] = [
        .countersigned: "#116329", .signed: "#2da44e", .unsignedAllowed: "#8c959f", .unattested: "#bf8700",
        .otherRepository: "#bc4c00", .invalid: "#cf222e", .unsigned: "#82071e", .noRule: "#8250df", .unreadable: "#57606a",
    ]

    /// `text` with `& < > " '` as entities: safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func render(_ report: AuditReport) -> String {
        let e = escape
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Airlock audit: \(e(report.source))</title>
        <style>\(style)</style></head><body>
        <header><h1>Airlock audit</h1><p>\(e(report.source)) · policy \(e(report.policy)) · \(e(report.auditedAt)) · \(e(report.tool))\(report.since.map { " · since \(e($0))" } ?? "")\(report.repositories.map { " · repositories \(e($0))" } ?? "")</p></header>
        <section class="summary">
        <div class="count"><b id="total">\(report.summary.tags)</b> tags</div>
        <div class="count pass"><b id="passing">\(report.summary.passing)</b> pass</div>
        <div class="count fail"><b id="failing">\(report.summary.failing)</b> fail</div>
        <div class="count"><b>\(report.summary.repositories)</b> repositories</div>
        </section>
        \(chart(report))
        <section class="controls"><input id="filter" type="search" placeholder="Filter: repository, tag, digest, key…" aria-label="filter">
        <select id="state-filter" aria-label="state"><option value="">every state</option>\(AuditState.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" }.joined())</select>
        <span><b id="shown">\(report.tags.count)</b> shown</span></section>
        <table id="tags"><thead><tr><th>State</th><th>Repository</th><th>Tag</th><th>Digest</th><th>Platforms</th><th>Signed by</th><th>Attestations</th><th>Same digest</th><th>Details</th></tr></thead>
        <tbody>

        """
        for finding in report.tags { html += row(finding) }
        html += "</tbody></table>\n"
        if !report.siteKeys.isEmpty {
            html += "<p class=\"keys\">Site keys: " + report.siteKeys.sorted { $0.key < $1.key }.map { "\(e($0.key)) <code>\(e($0.value))</code>" }.joined(separator: ", ") + "</p>\n"
        }
        html += "<script>\(script)</script>\n</body></html>\n"
        return html
    }

    /// A horizontal bar per state, its length the share of tags.
    static func chart(_ report: AuditReport) -> String {
        let states = AuditState.allCases
        let most = max(1, states.map { report.summary.states[$0.rawValue] ?? 0 }.max() ?? 1)
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"tags per state\" width=\"560\" height=\"\(states.count * 24 + 8)\" viewBox=\"0 0 560 \(states.count * 24 + 8)\">"
        for (position, state) in states.enumerated() {
            let count = report.summary.states[state.rawValue] ?? 0
            let y = 4 + position * 24
            let width = count == 0 ? 0 : max(2, count * 380 / most)
            svg += "<text x=\"130\" y=\"\(y + 15)\" text-anchor=\"end\">\(state.rawValue)</text>"
                + "<rect class=\"bar state-\(state.rawValue)\" x=\"140\" y=\"\(y + 2)\" width=\"\(width)\" height=\"16\" fill=\"\(colours[state]!)\"></rect>"
                + "<text x=\"\(146 + width)\" y=\"\(y + 15)\">\(count)</text>"
        }
        return svg + "</svg>"
    }

    static func row(_ finding: AuditFinding) -> String {
        let e = escape
        let rank = AuditState.allCases.firstIndex(of: finding.state) ?? 0
        let signers = finding.signatures.map { ($0.site ? "site " : "") + ($0.fingerprint.map { String($0.prefix(19)) } ?? $0.key) }
        let attested = finding.attestations.map { ($0.verified ? "✓ " : "✗ ") + ($0.predicateType ?? "unreadable") }
        var cells = "<td data-sort=\"\(rank)\"><span class=\"badge\">\(finding.state.rawValue)</span></td>"
        cells += "<td class=\"name\">\(e(finding.repository))</td><td>\(e(finding.tag))</td>"
        cells += "<td><code>\(e(finding.digest.map { "\($0.algorithm):\($0.encoded.prefix(12))" } ?? "—"))</code></td>"
        cells += "<td>\(e(finding.platforms.joined(separator: ", ")))</td>"
        cells += "<td>\(signers.map { "<code>\(e($0))</code>" }.joined(separator: "<br>"))</td>"
        cells += "<td>\(attested.map(e).joined(separator: "<br>"))</td>"
        cells += "<td class=\"name\">\(finding.sameDigest.map(e).joined(separator: "<br>"))</td>"
        cells += "<td>\(details(finding))</td>"
        return "<tr class=\"state-\(finding.state.rawValue)\" data-state=\"\(finding.state.rawValue)\">\(cells)</tr>\n"
    }

    static func details(_ finding: AuditFinding) -> String {
        let e = escape
        var items: [(String, String)] = [
            ("Reference", e(finding.reference)),
            ("Digest", "<code>\(e(finding.digest?.description ?? "—"))</code>"),
            ("Media type", e(finding.mediaType ?? "—")),
        ]
        if !finding.platforms.isEmpty { items.append(("Platforms", e(finding.platforms.joined(separator: ", ")))) }
        if let created = finding.created { items.append(("Created", e(created))) }
        if let rule = finding.rule { items.append(("Rule", e(rule))) }
        for signature in finding.signatures {
            var text = "\(e(signature.format)) by \(e(signature.key))"
            if let fingerprint = signature.fingerprint { text += " <code>\(e(fingerprint))</code>" }
            if let reference = signature.dockerReference { text += "<br>docker-reference \(e(reference))" }
            for (name, value) in (signature.annotations ?? [:]).sorted(by: { $0.key < $1.key }) { text += "<br>\(e(name)): \(e(value))" }
            items.append((signature.site ? "Countersignature" : "Signature", text))
        }
        for attestation in finding.attestations {
            var text = "\(e(attestation.predicateType ?? "—")) \(attestation.verified ? "verified" : "not verified") (\(e(attestation.origin)))"
            if let key = attestation.key { text += " by \(e(key))" }
            if let fingerprint = attestation.fingerprint { text += " <code>\(e(fingerprint))</code>" }
            if let problem = attestation.problem { text += "<br>\(e(problem))" }
            items.append(("Attestation", text))
        }
        for referrer in finding.referrers { items.append(("Referrer", "<code>\(e(referrer.digest.description))</code> \(e(referrer.artifactType ?? ""))")) }
        for source in finding.pushedFrom { items.append(("Pushed from", e(source))) }
        if let summary = finding.verificationSummary { items.append(("Verification summary", e(summary))) }
        for problem in finding.problems { items.append(("Problem", e(problem))) }
        return "<details><summary>details</summary><dl>" + items.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl></details>"
    }

    static let style = """
    body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1f2328;background:#fff}h1{margin:0 0 .2em;font-size:1.5em}
    header p{margin:0;color:#59636e}.summary{display:flex;gap:1em;margin:1em 0}.count{border:1px solid #d1d9e0;border-radius:6px;padding:.5em 1em}
    .count b{font-size:1.6em;display:block}.pass b{color:#1a7f37}.fail b{color:#cf222e}.chart text{font-size:12px;fill:#1f2328}
    .controls{margin:1em 0;display:flex;gap:.8em;align-items:center}#filter{width:28em;padding:.3em}
    table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d1d9e0;padding:.35em .5em;text-align:left;vertical-align:top}
    th,code,summary{white-space:nowrap}td.name{overflow-wrap:anywhere;min-width:14em}
    th{cursor:pointer;background:#f6f8fa;user-select:none}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
    code{font:12px ui-monospace,monospace}.badge{display:inline-block;border-radius:1em;padding:0 .6em;color:#fff;font-size:12px;white-space:nowrap}
    dl{margin:.3em 0;display:grid;grid-template-columns:max-content auto;gap:.1em .8em}dt{color:#59636e}dd{margin:0;word-break:break-all}
    """ + colours.map { "tr.state-\($0.key.rawValue) .badge{background:\($0.value)}" }.sorted().joined()

    /// Sorting (click a header) and filtering (text, state) by moving and hiding the rows the file holds; it never
    /// makes markup from text.
    static let script = """
    (function(){var table=document.getElementById('tags'),body=table.tBodies[0],filter=document.getElementById('filter'),
    state=document.getElementById('state-filter'),shown=document.getElementById('shown'),heads=table.tHead.rows[0].cells;
    function apply(){var text=filter.value.toLowerCase(),wanted=state.value,count=0;
    Array.prototype.forEach.call(body.rows,function(row){var ok=(!wanted||row.getAttribute('data-state')===wanted)&&(!text||row.textContent.toLowerCase().indexOf(text)>=0);
    row.hidden=!ok;if(ok)count++;});shown.textContent=String(count);}
    function key(row,i){var cell=row.cells[i];return cell.hasAttribute('data-sort')?cell.getAttribute('data-sort'):cell.textContent;}
    Array.prototype.forEach.call(heads,function(head,i){head.addEventListener('click',function(){var up=head.getAttribute('aria-sort')!=='ascending';
    Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});head.setAttribute('aria-sort',up?'ascending':'descending');
    Array.prototype.slice.call(body.rows).sort(function(a,b){var x=key(a,i),y=key(b,i);return (x<y?-1:x>y?1:0)*(up?1:-1);})
    .forEach(function(row){body.appendChild(row);});});});
    filter.addEventListener('input',apply);state.addEventListener('change',apply);apply();})();
    """
}
