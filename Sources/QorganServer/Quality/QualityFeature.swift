import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// Data quality: validation rules, completeness, outliers with their follow-up and bounds,
/// and notifications.
enum QualityFeature: ServerFeature {
    static func register(_ routes: Routes) {
        let router = routes.pages
        let p = routes.p
        router.get("/validation") { r, c in try p.page(r, c) { try p.validation(r, c, $0) } }
        router.get("/completeness") { r, c in try p.page(r, c) { try p.completeness(r, c, $0) } }
        router.get("/outliers") { r, c in try p.page(r, c) { try p.outliers(r, c, $0) } }
        router.get("/notifications") { r, c in try p.page(r, c) { try p.notifications(r, c, $0) } }
        router.post("/outliers/followup") { r, c in try await p.pageAsync(r, c) { try await p.followUp(r, c, $0) } }
        let api = routes.api
        let h = routes.h
        api.get("validation") { r, c in try h.validation(r, c) }
        api.get("validation/dataSet/:ds") { r, c in try h.formValidation(r, c) }
        api.get("completeness") { r, c in try h.completeness(r, c) }
        api.get("notifications") { _, c in try h.notificationsJSON(c) }
        api.get("outlierDetection") { r, c in try h.outlierDetection(r, c) }
        api.get("outlierDetection/check") { r, c in try h.outlierCheck(r, c) }
        api.put("dataValues/followup") { r, c in
            let body = try await HTTP.decode(FollowUpBody.self, from: r, what: "the follow-up")
            return try HTTP.json(try h.setFollowUp(body, c))
        }
        api.post("minMaxValues") { r, c in
            let body = try await HTTP.decode(MinMaxBody.self, from: r, what: "the bounds")
            return try h.setMinMax(body, c)
        }
        api.post("minMaxValues/generate") { r, c in
            let body = try await HTTP.decode(GenerateBoundsBody.self, from: r, what: "the generation")
            return try h.generateMinMax(body, c)
        }
    }
}
