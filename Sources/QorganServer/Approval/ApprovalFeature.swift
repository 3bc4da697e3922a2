import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Approval: a form's sign-off step by step, from the data entry page, the overview of a form
/// across units and periods, and through the API.
enum ApprovalFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/approvals") { r, c in try p.page(r, c) { try p.approvals(r, c, $0) } }
        router.post("/entry/approval") { r, c in try await p.pageAsync(r, c) { try await p.approvalStep(r, c, $0) } }
        let api = routes.api
        let h = routes.h
        api.get("dataApprovals") { r, c in try h.getApproval(r, c) }
        api.get("dataApprovals/approvals") { r, c in try h.approvalList(r, c) }
        api.post("dataApprovals") { r, c in
            let body = try await HTTP.decode(ApprovalBody.self, from: r, what: "the approval")
            return try h.postApproval(body, c)
        }
    }
}
