import Foundation

extension Catalog {
    /// What only the merged whole can show: cycles in the hierarchy on any day it changes,
    /// expressions of indicators that do not check, and indicators that refer to each other in a circle.
    func hierarchyAndIndicatorProblems() -> [Problem] {
        var problems: [Problem] = []
        var indicatorUid: [String: String] = [:]
        for x in indicators {
            indicatorUid[x.code] = x.uid
            indicatorUid[x.uid] = x.uid
        }
        func indicatorRef(_ ref: String) -> String? { indicatorUid[ref] }
        // Cycles in the hierarchy, on every day the hierarchy changes.
        let changeDays = Set(organisationUnits.flatMap { $0.parents.map(\.from) }).sorted()
        var cyclic = Set<String>()
        for day in changeDays {
            for u in organisationUnits where !cyclic.contains(u.uid) {
                var seen: Set<String> = [u.uid]
                var current = u.parent(on: day)
                while let p = current {
                    if !seen.insert(p).inserted {
                        cyclic.insert(u.uid)
                        problems.append(
                            Problem(
                                object: "organisationUnit \(u.code)", field: "parents", value: day.description,
                                reason: "the hierarchy would have a cycle from \(day)"))
                        break
                    }
                    current = unit(p)?.parent(on: day)
                }
            }
        }

        // Shapes that a map could not draw.
        for u in organisationUnits {
            for reason in u.geometry?.problems ?? [] {
                problems.append(Problem(object: "organisationUnit \(u.code)", field: "geometry", reason: reason))
            }
        }

        // Expressions, and cycles among indicators.
        var dependsOn: [String: [String]] = [:]
        for ind in indicators {
            let label = "indicator \(ind.code)"
            for (field, text) in [("numerator", ind.numerator), ("denominator", ind.denominator)] {
                do {
                    let e = try check(expression: text)
                    dependsOn[ind.uid, default: []] += e.references.filter { $0.kind == .indicator }.compactMap {
                        indicatorRef($0.code)
                    }
                } catch let error as QorganError {
                    if case .invalidExpression(_, let pos, let reason) = error {
                        problems.append(
                            Problem(object: label, field: field, value: text, reason: "at position \(pos): \(reason)"))
                    }
                } catch {}
            }
            if !(0...10).contains(ind.decimals) {
                problems.append(
                    Problem(
                        object: label, field: "decimals", value: "\(ind.decimals)", reason: "must be between 0 and 10"))
            }
            if !ind.factor.isFinite || ind.factor == 0 {
                problems.append(
                    Problem(object: label, field: "factor", value: "\(ind.factor)", reason: "must be a non-zero number")
                )
            }
        }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        func visit(_ u: String, _ path: [String]) {
            if state[u] == 2 { return }
            if state[u] == 1 {
                let code = indicator(u)?.code ?? u
                problems.append(
                    Problem(
                        object: "indicator \(code)", field: "numerator",
                        reason: "indicators refer to each other in a circle: "
                            + (path + [u]).compactMap { indicator($0)?.code }.joined(separator: " → ")))
                return
            }
            state[u] = 1
            for d in dependsOn[u] ?? [] { visit(d, path + [u]) }
            state[u] = 2
        }
        for ind in indicators { visit(ind.uid, []) }
        return problems
    }

    /// Validation rules whose sides do not check, or whose levels are out of range.
    func validationRuleProblems() -> [Problem] {
        var problems: [Problem] = []
        for rule in validationRules {
            let label = "validationRule \(rule.code)"
            for (field, side) in [("leftSide", rule.leftSide), ("rightSide", rule.rightSide)] {
                do {
                    _ = try check(expression: side.expression)
                } catch let error as QorganError {
                    if case .invalidExpression(_, let pos, let reason) = error {
                        problems.append(
                            Problem(
                                object: label, field: field, value: side.expression,
                                reason: "at position \(pos): \(reason)"))
                    }
                } catch {}
            }
            for level in rule.organisationUnitLevels where level < 1 {
                problems.append(
                    Problem(
                        object: label, field: "organisationUnitLevels", value: "\(level)", reason: "levels start at 1"))
            }
        }
        return problems
    }
}
