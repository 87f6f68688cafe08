import Hummingbird
import NIOCore

/// The request context of `airgap serve`: Hummingbird's core context and the connection's event loop, by
/// which a blob body paces its writes.
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The event loop of the request's connection.
    let eventLoop: any EventLoop

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}
