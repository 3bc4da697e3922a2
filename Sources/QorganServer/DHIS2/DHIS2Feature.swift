import Foundation
import Hummingbird
import NIOCore
import QorganCore

/// DHIS2's own routes beyond the features' (the features answer DHIS2's shapes themselves:
/// `dataValueSets`, `analytics`, `dataApprovals`, the metadata collections); its path forms
/// are taken off by `DHIS2Paths` before the router sees a request.
enum DHIS2Feature: ServerFeature {
    static func register(_ routes: Routes) {
        let api = routes.api
        let h = routes.h
        api.get("system/info") { r, _ in HTTP.data(try h.systemInfo(r).data, type: "application/json; charset=utf-8") }
    }
}
