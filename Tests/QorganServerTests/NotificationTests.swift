import Foundation
import QorganCore
import QorganServer
import QorganStore
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Notifications: each kind appears for the user it concerns, computed from the data as they are.
@Suite struct NotificationTests {
    func notices(_ web: inout WebClient) async throws -> [[String: Any]] {
        let r = try await web.send(.get, "/api/notifications")
        #expect(r.status == .ok)
        return r.object["notifications"] as? [[String: Any]] ?? []
    }

    @Test func eachUserSeesWhatConcernsThem() async throws {
        let state = try await WebFixture.state()  // today: 2026-11-29
        try await withApp(state) { web in
            // The officer: her forms of the last months, due and overdue.
            try await web.signIn("almaty")
            var list = try await notices(&web)
            #expect(
                list.contains {
                    $0["kind"] as? String == "overdue" && ($0["text"] as? String ?? "").contains("202610")
                })
            #expect(list.contains { $0["kind"] as? String == "due" && $0["period"] as? String == "202610" } == false)
            #expect(!list.contains { $0["kind"] as? String == "approval" }, "she does not approve")
            // A rule broken in data she entered is hers to see.
            try await web.send(
                .post, "/api/dataValues",
                json: ["dataElement": "DRAWN_IN_MARGINALISED", "period": "2017Q4", "orgUnit": "ALA", "value": "999"])
            list = try await notices(&web)
            let violation = try #require(list.first { $0["kind"] as? String == "violation" })
            #expect((violation["text"] as? String ?? "").contains("Marginalised people drawn in"))
            #expect((violation["link"] as? String ?? "").hasPrefix("/entry?ds="))

            // The region's head: forms to approve; after approving, the nation has one to accept.
            var head = web
            head.cookies = [:]
            try await head.signIn("almaty-head")
            list = try await notices(&head)
            #expect(
                list.contains {
                    $0["kind"] as? String == "approval" && ($0["text"] as? String ?? "").contains("201712")
                        && ($0["text"] as? String ?? "").contains("waiting for your approval")
                })
            var nation = web
            nation.cookies = [:]
            try await nation.signIn("national-head")
            func accepting(_ list: [[String: Any]]) -> Bool {
                list.contains {
                    ($0["text"] as? String ?? "").contains("201710")
                        && ($0["text"] as? String ?? "").contains("acceptance")
                        && ($0["text"] as? String ?? "").contains("Security")
                }
            }
            #expect(!accepting(try await notices(&nation)))
            #expect(
                try await head.send(
                    .post, "/api/dataApprovals",
                    json: ["dataSet": "SECURITY", "period": "201710", "orgUnit": "ALA", "action": "approve"]
                ).status == .ok)
            #expect(accepting(try await notices(&nation)))

            // Prescriptions past due in the user's units, the latest first, in their language.
            try await nation.send(.get, "/language?set=ru&back=/dashboard")
            list = try await notices(&nation)
            #expect(
                list.contains { $0["kind"] as? String == "prescription" && ($0["link"] as? String ?? "") == "/sites" })
            let page = try await nation.send(.get, "/notifications")
            #expect(page.status == .ok && page.text?.contains("Уведомления") == true)
            #expect(page.text?.contains("id=\"notices-approval\"") == true)
        }
    }

    /// The webhook: a listener on loopback receives each completion and approval step as JSON.
    @Test func eventsArePostedToTheWebhook() async throws {
        let received = Fixtures.temporaryPath("events.jsonl")
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        listener.arguments = [
            "python3", "-c",
            """
            import http.server, signal, sys
            signal.alarm(60)  # never outlive the test, whoever started it (a pyenv shim is a parent)
            out = sys.argv[1]
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    with open(out, 'ab') as f: f.write(body + b'\\n')
                    self.send_response(204); self.end_headers()
                def log_message(self, *a): pass
            s = http.server.HTTPServer(('127.0.0.1', 0), H)
            print(s.server_address[1], flush=True)
            s.handle_request()
            """, received,
        ]
        let out = Pipe()
        listener.standardOutput = out
        listener.standardError = FileHandle.nullDevice
        try listener.run()
        defer { listener.terminate() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(Int(line.trimmingCharacters(in: .whitespacesAndNewlines)))
        let state = try await WebFixture.state { $0.webhook = URL(string: "http://127.0.0.1:\(port)/qorgan") }
        try await withApp(state) { web in
            try await web.signIn("almaty-head")
            let r = try await web.send(
                .post, "/api/dataApprovals",
                json: ["dataSet": "SECURITY", "period": "201710", "orgUnit": "ALA", "action": "approve"])
            #expect(r.status == .ok)
        }
        var events: [[String: Any]] = []
        for _ in 0..<100 where events.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            let text = (try? String(contentsOfFile: received, encoding: .utf8)) ?? ""
            events = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        let event = try #require(events.first)
        #expect(event["event"] as? String == "approval.approve")
        #expect(event["dataSet"] as? String == "SECURITY" && event["orgUnit"] as? String == "ALA")
        #expect(event["by"] as? String == "almaty-head" && event["level"] as? Int == 2)
    }
}
