import Hummingbird

/// What a feature registers its routes on: the pages at the site's root, the API under `/api`
/// behind `RequireUser` (a signed-in caller, checked before any body is read: an anonymous
/// request gets 401 whatever it sends), and the handlers of both.
struct Routes {
    /// The site's root: pages, and any route a visitor may reach without signing in.
    let pages: Router<AppContext>
    /// `/api`, for signed-in callers only.
    let api: RouterGroup<AppContext>
    let p: PageHandlers
    let h: Handlers
    var state: ServerState { p.state }
}

/// One feature of the server, one folder of Sources/QorganServer: it registers its own pages
/// and API routes. `buildRouter` lists the features and nothing else.
protocol ServerFeature {
    static func register(_ routes: Routes)
}
