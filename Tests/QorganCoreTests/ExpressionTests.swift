import Testing

@testable import QorganCore

@Suite struct ExpressionTests {
    func eval(_ text: String, _ values: [String: Double?] = [:]) throws -> Double? {
        try Expression.parse(text).evaluate { r in
            let key = r.combo.map { "\(r.code).\($0)" } ?? r.code
            return values[key] ?? nil
        }
    }

    @Test func arithmeticAndPrecedence() throws {
        #expect(try eval("1 + 2 * 3") == 7)
        #expect(try eval("(1 + 2) * 3") == 9)
        #expect(try eval("-2 + 5") == 3)
        #expect(try eval("10 / 4") == 2.5)
        #expect(try eval("2 - 3 - 4") == -5)
        #expect(try eval("1.5e2") == 150)
        #expect(try eval("#{A} + #{B.M} * 2", ["A": 1, "B.M": 4]) == 9)
        #expect(try eval("N{I} * C{K}", ["I": 3, "K": 100]) == 300)
    }

    @Test func functionsAndLogic() throws {
        #expect(try eval("if(#{A} > 5, 1, 0)", ["A": 6]) == 1)
        #expect(try eval("if(#{A} > 5, 1, 0)", ["A": 5]) == 0)
        #expect(try eval("if(#{A} >= 5 && #{B} != 0, 10, 20)", ["A": 5, "B": 1]) == 10)
        #expect(try eval("if(#{A} < 1 || !#{B}, 10, 20)", ["A": 3, "B": 0]) == 10)
        #expect(try eval("isNull(#{A}) + #{B}", ["B": 1]) == 2)
        #expect(try eval("isNull(#{A})", ["A": 0]) == 0)
        #expect(try eval("firstNonNull(#{A}, #{B}, 7)", ["B": 3]) == 3)
        #expect(try eval("greatest(#{A}, #{B}, 2)", ["A": 1, "B": 9]) == 9)
        #expect(try eval("least(#{A}, #{B})", ["B": 4]) == 4)
        #expect(try eval("IF(1 == 1, 2, 3)") == 2)
    }

    @Test func missingValues() throws {
        // A missing operand reads as 0 while anything else has data…
        #expect(try eval("#{A} + #{B}", ["B": 2]) == 2)
        // …but with no data at all there is no value: "no data" is not 0.
        #expect(try eval("#{A} + #{B}") == nil)
        #expect(try eval("#{A} + C{K}", ["K": 5]) == nil)
        #expect(try eval("5") == 5)
        #expect(try eval("firstNonNull(#{A}, #{B})") == nil)
    }

    @Test func divisionByZeroGivesNoValue() throws {
        #expect(try eval("#{A} / #{B}", ["A": 1, "B": 0]) == nil)
        #expect(try eval("#{A} / #{B}", ["A": 1]) == nil)  // missing reads as 0
        #expect(try eval("1 / 0") == nil)
        #expect(try eval("if(#{B} == 0, 0, #{A} / #{B})", ["A": 1, "B": 0]) == 0)
    }

    @Test(arguments: [
        ("", 1, "empty"),
        ("1 +", 4, "ends where a value was expected"),
        ("#{A", 1, "'}' expected"),
        ("foo(1)", 1, "unknown function 'foo'"),
        ("1 ) 2", 3, "unexpected ')'"),
        ("if(1, 2)", 1, "if takes 3 arguments"),
        ("(1 + 2", 7, "')' expected"),
        ("#{}", 1, "empty"),
        ("#{A.B.C}", 1, "#{ELEMENT.COMBINATION}"),
        ("2 * * 3", 5, "unexpected '*'"),
        ("isNull()", 1, "isNull takes 1 argument"),
        ("N{A.B}", 1, "'.' is not allowed"),
        ("1 $ 2", 3, "unexpected '$'"),
    ])
    func invalidExpressionsNamePositionAndReason(text: String, position: Int, reason: String) {
        do {
            _ = try Expression.parse(text)
            Issue.record("'\(text)' should not parse")
        } catch let QorganError.invalidExpression(_, pos, why) {
            #expect(pos == position, "\(text): \(why)")
            #expect(why.contains(reason), "\(text): \(why)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func referencesAreCheckedAgainstTheCatalog() throws {
        let doc = SmallCatalog.resolved()
        #expect(throws: Never.self) { try doc.check(expression: "#{SUM.M} / #{SUM} * C{HUNDRED} + N{DOUBLE}") }
        func failure(_ text: String) -> (Int, String)? {
            do {
                _ = try doc.check(expression: text)
                return nil
            } catch let QorganError.invalidExpression(_, p, r) { return (p, r) } catch { return nil }
        }
        #expect(failure("1 + #{NOPE}")?.0 == 5)
        #expect(failure("1 + #{NOPE}")?.1.contains("no data element") == true)
        #expect(failure("#{SUM.X}")?.1.contains("has no option combination 'X' (it has: M, F)") == true)
        #expect(failure("N{NOPE}")?.1.contains("no indicator") == true)
        #expect(failure("2 * C{NOPE}")?.0 == 5)
        #expect(failure("#{TEXT}")?.1.contains("text") == true)
    }

    /// Nesting is bounded: a text of thousands of parentheses or signs is refused by name, not
    /// by exhausting the stack; ordinary nesting parses.
    @Test func deepNestingIsRefusedNotCrashed() throws {
        #expect(
            try Expression.parse(String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50))
                == .number(1))
        for text in [
            String(repeating: "(", count: 4000) + "1" + String(repeating: ")", count: 4000),
            String(repeating: "-", count: 4000) + "1",
        ] {
            #expect {
                _ = try Expression.parse(text)
            } throws: { error in
                guard case QorganError.invalidExpression(_, _, let reason) = error else { return false }
                return reason.contains("nested more than 100 deep")
            }
        }
    }
}
