import Foundation
import HTTPTypes
import QorganServer
import QorganTestSupport
import QorganWebTestSupport
import Testing

/// Uploads that lie (issue 27): every bomb is a 400 that names what is wrong and changes nothing,
/// whatever the archive, XML or JSON declares (its time and the server's memory: UploadMemoryTests).
@Suite struct UploadBombTests {
    @Test func everySpreadsheetBombIsA400ThatNamesIt() async throws {
        let state = try await WebFixture.state()
        let token = try Secrets.issueToken(in: state.store, username: "almaty", name: "t", by: "t").secret
        let before = try state.store.valueCount()
        try await withApp(state) { web in
            web.bearer = token
            for (what, archive, reason) in ZipBombs.formUploads {
                let r = try await web.send(
                    .post, "/api/dataEntry/form.xlsx",
                    headers: [.contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
                    bytes: archive)
                #expect(r.status == .badRequest, "\(what): \(r.status)")
                #expect((r.text ?? "").contains(reason), "\(what): \(r.text ?? "")")
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
