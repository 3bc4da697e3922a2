import Hummingbird

/// The registers: incidents (attacks and foiled plots), readiness assessments of offices, and
/// the sites vulnerable to terrorism with their inspections, as pages and through the API.
enum RegistriesFeature: ServerFeature {
    static func register(_ routes: Routes) {
        incidentPages(on: routes.pages, routes.p)
        incidentAPI(on: routes.api, routes.h)
        registryPages(on: routes.pages, routes.p)
        registryAPI(on: routes.api, routes.h)
    }
}
