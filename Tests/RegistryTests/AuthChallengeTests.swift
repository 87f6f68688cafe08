@testable import Registry
import Testing

@Suite struct AuthChallengeTests {
    @Test func parsesDistributionsBearerChallenge() {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#
        let challenges = AuthChallenge.parse(header)
        #expect(challenges.count == 1)
        #expect(challenges[0].isBearer)
        #expect(challenges[0].realm == "https://auth.docker.io/token")
        #expect(challenges[0].service == "registry.docker.io")
        #expect(challenges[0].scope == "repository:library/nginx:pull")
    }

    @Test func parsesBasicAndMultipleChallenges() {
        let challenges = AuthChallenge.parse(#"Basic realm="Registry Realm", Bearer realm="https://h/t",scope="a b""#)
        #expect(challenges.map(\.scheme) == ["Basic", "Bearer"])
        #expect(challenges[0].realm == "Registry Realm")
        #expect(challenges[1].scope == "a b")
    }

    @Test func handlesEscapesUnquotedValuesAndErrors() {
        let c = AuthChallenge.parse(#"bearer realm="a\"b", error=insufficient_scope"#)
        #expect(c.count == 1)
        #expect(c[0].isBearer)
        #expect(c[0].realm == "a\"b")
        #expect(c[0].error == "insufficient_scope")
    }

    @Test func emptyHeaderHasNoChallenge() {
        #expect(AuthChallenge.parse("").isEmpty)
        #expect(AuthChallenge.parse("   ").isEmpty)
    }
}

@Suite struct PaginationAndRangeTests {
    @Test func followsLinkNext() {
        #expect(RegistryClient.nextLink(#"</v2/a/tags/list?last=b&n=2>; rel="next""#) == "/v2/a/tags/list?last=b&n=2")
        #expect(RegistryClient.nextLink(#"<https://h/v2/_catalog?last=x>; rel="next""#) == "https://h/v2/_catalog?last=x")
        #expect(RegistryClient.nextLink(#"</x>; rel="prev""#) == nil)
    }

    @Test func readsContentRangeStart() {
        #expect(ResumingSink.rangeStart("bytes 100-199/200") == 100)
        #expect(ResumingSink.rangeStart("bytes */200") == nil)
        #expect(ResumingSink.rangeStart("items 1-2/3") == nil)
    }

}
