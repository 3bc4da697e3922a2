/// Who may change which metadata, decided once on the resolved change (the catalog before and
/// after a document is merged), by the store's one metadata write path that pages, Qorgan's
/// API, DHIS2's routes and files share:
///
/// - administrators of the whole country change anything;
/// - an administrator of a region (or district) adds, renames, closes and moves the units below
///   their own roots: the unit lies within their scope before and after, and every parent it
///   is given lies within it too; their roots themselves, and everything national (elements,
///   forms, indicators, rules, levels), are the country's;
/// - they also say which of those units report a form (the form's units, nothing else of it);
/// - every other role changes no metadata.
extension Principal {
    public func metadataRefusal(
        changes: [MetadataChange], before: Catalog, after: Catalog, today: Day
    ) -> AccessDenied? {
        let changed = changes.filter { $0.action != .unchanged }
        guard !changed.isEmpty else { return nil }
        guard role.canManageUsers else {
            return AccessDenied(
                kind: .role,
                problems: [
                    Problem(
                        object: "\(changed[0].kind) \(changed[0].code)",
                        reason: "a \(role.rawValue) cannot change metadata: administrators do", code: "role")
                ], noun: "object")
        }
        if isNational(in: before, on: today) { return nil }
        var problems: [Problem] = []
        for ch in changed {
            let label = "\(ch.kind) \(ch.code)"
            if ch.kind == "dataSet", let form = after.dataSet(ch.uid), var earlier = before.dataSet(ch.uid) {
                // Which of their units report a form is theirs to say; the form itself is national.
                let changedUnits = Set(form.organisationUnits).symmetricDifference(earlier.organisationUnits)
                earlier.organisationUnits = form.organisationUnits
                if earlier == form {
                    for u in changedUnits.sorted()
                    where units.contains(u) || !(canSee(u, in: before, on: today) || canSee(u, in: after, on: today)) {
                        problems.append(
                            Problem(
                                object: label, field: "organisationUnits", value: after.unit(u)?.code ?? u,
                                reason: "a unit outside the units below yours", code: "outOfScope"))
                    }
                    continue
                }
            }
            guard ch.kind == "organisationUnit", let unit = after.unit(ch.uid) else {
                problems.append(
                    Problem(
                        object: label,
                        reason: "national configuration: only an administrator of the whole country changes it",
                        code: "national"))
                continue
            }
            if units.contains(unit.uid) {
                problems.append(
                    Problem(
                        object: label,
                        reason: "one of your own units: its place and name are changed by the country's administrators",
                        code: "ownUnit"))
                continue
            }
            if before.unit(unit.uid) != nil, !canSee(unit.uid, in: before, on: today) {
                problems.append(
                    Problem(object: label, reason: "outside the units you administer", code: "outOfScope"))
                continue
            }
            let earlier = Set(before.unit(unit.uid)?.parents ?? [])
            for link in unit.parents where !earlier.contains(link) {
                guard let parent = link.parent,
                    canSee(parent, in: before, on: today) || canSee(parent, in: after, on: today)
                else {
                    let name = link.parent.flatMap { after.unit($0)?.code } ?? link.parent ?? "none"
                    problems.append(
                        Problem(
                            object: label, field: "parent", value: name,
                            reason: "a parent outside the units you administer", code: "outOfScope"))
                    continue
                }
            }
        }
        return problems.isEmpty ? nil : AccessDenied(kind: .outOfScope, problems: problems, noun: "object")
    }
}
