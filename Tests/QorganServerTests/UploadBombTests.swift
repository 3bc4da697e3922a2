import Foundation
import HTTPTypes
import QorganServer
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Uploads that lie (issue 27): every bomb is a 400 that names what is wrong, changes nothing, and
/// is answered at once, whatever the archive, XML or JSON declares.
@Suite struct UploadBombTests {
    @Test func everySpreadsheetBombIsA400ThatNamesIt() async throws {
        let state = try await WebFixture.state()
        let token = try Secrets.issueToken(in: state.store, username: "almaty", name: "t", by: "t").secret
        let before = try state.store.valueCount()
        try await withApp(state) { web in
            web.bearer = token
            for (what, archive, reason) in ZipBombs.formUploads {
                let started = Date()
                let r = try await web.send(
                    .post, "/api/dataEntry/form.xlsx",
                    headers: [.contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
                    bytes: archive)
                let took = Date().timeIntervalSince(started)
                #expect(r.status == .badRequest, "\(what): \(r.status)")
                #expect((r.text ?? "").contains(reason), "\(what): \(r.text ?? "")")
                #expect(took < 1, "\(what): answered after \(took) s")
            }
        }
        #expect(try state.store.valueCount() == before)
    }

    @Test func deepXMLAndDeepJSONAreRefused() async throws {
        let state = try await WebFixture.state()
        let token = try Secrets.issueToken(in: state.store, username: "admin", name: "t", by: "t").secret
        try await withApp(state) { web in
            web.bearer = token
            let deepXML =
                "<adx xmlns=\"urn:ihe:qrph:adx:2015\">" + String(repeating: "<g>", count: 100_000)
                + String(repeating: "</g>", count: 100_000) + "</adx>"
            let adx = try await web.send(
                .post, "/api/dataValueSets", headers: [.contentType: "application/adx+xml"], raw: deepXML)
            #expect(adx.status == .badRequest, "\(adx.status)")
            #expect((adx.text ?? "").contains("nests deeper than 32 levels"), "\(adx.text ?? "")")
            let deepJSON = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            for path in ["/api/dataValueSets", "/api/sites", "/api/incidents"] {
                let r = try await web.send(.post, path, headers: [.contentType: "application/json"], raw: deepJSON)
                #expect(r.status == .badRequest, "\(path): \(r.status) \(r.text ?? "")")
            }
        }
    }
}
