/// What to present to a registry: a user name and password, or an OAuth2 identity (refresh) token.
public enum Credentials: Sendable, Equatable {
    case basic(username: String, password: String)
    case identityToken(String)

    public var username: String? {
        if case .basic(let username, _) = self { return username }
        return nil
    }
}
