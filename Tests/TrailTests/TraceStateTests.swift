import Testing
import Trail

@Suite struct TraceStateTests {
    private func keys(_ state: TraceState?) -> [String]? { state?.entries.map(\.key) }

    @Test func anEmptyTraceStateHasNoEntriesAndAnEmptyHeader() {
        let state = TraceState()
        #expect(state.isEmpty)
        #expect(state.headerValue == "")
    }

    @Test func membersAreParsedInOrder() throws {
        let state = try #require(TraceState(headerValue: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"))
        #expect(state.entries == [
            .init(key: "congo", value: "t61rcWkgMzE"), .init(key: "rojo", value: "00f067aa0ba902b7"),
        ])
        #expect(state["rojo"] == "00f067aa0ba902b7")
        #expect(state["missing"] == nil)
    }

    @Test func whitespaceAroundMembersAndEmptyMembersAreIgnored() throws {
        let state = try #require(TraceState(headerValue: " \tfoo=1 \t, ,, \t,bar=2\t"))
        #expect(state.entries == [.init(key: "foo", value: "1"), .init(key: "bar", value: "2")])
    }

    @Test func anEmptyOrWhitespaceOnlyHeaderIsAcceptedAsEmpty() throws {
        #expect(try #require(TraceState(headerValue: "")).isEmpty)
        #expect(try #require(TraceState(headerValue: " , \t ,")).isEmpty)
    }

    @Test func leadingSpacesOfAValueArePreserved() throws {
        let state = try #require(TraceState(headerValue: "key= value"))
        #expect(state["key"] == " value")
        #expect(state.headerValue == "key= value")
    }

    @Test func trailingSpacesAfterAValueAreOptionalWhitespace() throws {
        #expect(try #require(TraceState(headerValue: "key=value   ,b=1"))["key"] == "value")
    }

    @Test func aTabInsideAValueMakesTheWholeTraceStateInvalid() {
        #expect(TraceState(headerValue: "foo=a\tb,bar=1") == nil)
    }

    @Test func anEmptyValueMakesTheWholeTraceStateInvalid() {
        // The conformance suite: both entries of `foo=,bar=3` must disappear.
        #expect(TraceState(headerValue: "foo=,bar=3") == nil)
    }

    @Test func aMemberWithoutEqualsSignIsInvalid() {
        #expect(TraceState(headerValue: "foo=1,bar") == nil)
    }

    @Test func aValueIsSplitAtTheFirstEqualsSignSoASecondOneIsInvalid() {
        #expect(TraceState(headerValue: "foo=a=b") == nil)
    }

    @Test func valuesOutsidePrintableASCIIAreInvalid() {
        #expect(TraceState(headerValue: "foo=caf\u{e9}") == nil)
        #expect(TraceState(headerValue: "foo=a\u{7f}") == nil)
        #expect(TraceState(headerValue: "foo=a\nb") == nil)
    }

    @Test func everyPrintableCharacterButCommaAndEqualsIsAllowedInAValue() throws {
        let chars = (0x20...0x7E).map { UInt8($0) }.filter { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
        let value = String(decoding: chars, as: UTF8.self) // starts with a space
        let state = try #require(TraceState(headerValue: "foo=\(value)"))
        #expect(state["foo"] == value)
    }

    @Test func valuesOf256CharactersAreValidAnd257AreNot() {
        #expect(TraceState(headerValue: "foo=" + String(repeating: "v", count: 256)) != nil)
        #expect(TraceState(headerValue: "foo=" + String(repeating: "v", count: 257)) == nil)
    }

    @Test func keysFollowTheSimplifiedGrammarOfTheCurrentDraft() throws {
        for key in ["foo", "0foo", "foo@@bar", "foo@bar@baz", "a_b-c*d/e@f", "9"] {
            #expect(TraceState(headerValue: "\(key)=1") != nil, "\(key)")
        }
        for key in ["Foo", "_foo", "@foo", "-foo", "foo.bar", "foo bar", "foo!", "f\u{e9}"] {
            #expect(TraceState(headerValue: "\(key)=1") == nil, "\(key)")
        }
    }

    @Test func a256CharacterKeyContainingAtSignsIsAccepted() throws {
        let key = "t" + String(repeating: "@", count: 2) + String(repeating: "k", count: 253)
        #expect(key.count == 256)
        #expect(try #require(TraceState(headerValue: "\(key)=1"))[key] == "1")
    }

    @Test func a257CharacterKeyMakesTheWholeTraceStateInvalid() {
        let key = String(repeating: "k", count: 257)
        #expect(TraceState(headerValue: "foo=1,\(key)=1") == nil)
    }

    @Test func thirtyTwoMembersAreAcceptedAndThirtyThreeAreNot() {
        let members = (0..<33).map { "k\($0)=v" }
        #expect(TraceState(headerValue: members.prefix(32).joined(separator: ",")) != nil)
        #expect(TraceState(headerValue: members.joined(separator: ",")) == nil)
    }

    @Test func emptyMembersDoNotCountTowardsTheLimit() {
        let members = (0..<32).map { "k\($0)=v" }
        #expect(TraceState(headerValue: members.joined(separator: ", ,")) != nil)
    }

    @Test func aRepeatedKeyKeepsTheFirstMember() throws {
        let state = try #require(TraceState(headerValue: "foo=1,bar=2,foo=3"))
        #expect(state.entries == [.init(key: "foo", value: "1"), .init(key: "bar", value: "2")])
    }

    @Test func multipleHeaderFieldsAreCombinedInOrder() throws {
        let state = try #require(TraceState(headerFields: ["foo=1", "bar=2,baz=3"]))
        #expect(keys(state) == ["foo", "bar", "baz"])
        #expect(TraceState(headerFields: ["foo=1", "bar="]) == nil)
    }

    @Test func settingANewKeyPutsItOnTheLeft() throws {
        let state = try #require(TraceState(headerValue: "a=1,b=2")).setting("c", "3")
        #expect(state.headerValue == "c=3,a=1,b=2")
    }

    @Test func settingAnExistingKeyMovesItLeftAndKeepsTheOthersInOrder() throws {
        let state = try #require(TraceState(headerValue: "a=1,b=2,c=3")).setting("b", "9")
        #expect(state.headerValue == "b=9,a=1,c=3")
    }

    @Test func settingA33rdKeyRemovesTheRightMostMember() throws {
        let full = try #require(TraceState(headerValue: (0..<32).map { "k\($0)=v" }.joined(separator: ",")))
        let state = try full.setting("new", "x")
        #expect(state.count == 32)
        #expect(state.entries.first == .init(key: "new", value: "x"))
        #expect(state["k31"] == nil)
        #expect(state["k30"] == "v")
    }

    @Test func settingAnInvalidKeyOrValueThrowsAndChangesNothing() {
        let state = TraceState()
        #expect(throws: TraceState.ValidationError.invalidKey("Bad")) { try state.setting("Bad", "1") }
        #expect(throws: TraceState.ValidationError.invalidValue("a,b")) { try state.setting("ok", "a,b") }
        #expect(throws: TraceState.ValidationError.invalidValue("trailing ")) { try state.setting("ok", "trailing ") }
        #expect(throws: TraceState.ValidationError.invalidValue("")) { try state.setting("ok", "") }
    }

    @Test func removingAKeyKeepsTheOrderOfTheRest() throws {
        let state = try #require(TraceState(headerValue: "a=1,b=2,c=3")).removing("b")
        #expect(state.headerValue == "a=1,c=3")
        #expect(state.removing("zzz") == state)
    }

    @Test func aHeaderOfExactly512CharactersIsNotTruncated() throws {
        // 4 entries of 127 characters plus 3 commas = 511; the last one is 128 → 512.
        var state = TraceState()
        for i in 0..<4 {
            let valueLength = (i == 0 ? 128 : 127) - 3
            state = try state.setting("k\(i)", String(repeating: "v", count: valueLength))
        }
        #expect(state.headerValue.utf8.count == 512)
        #expect(state.headerValue.split(separator: ",").count == 4)
    }

    @Test func truncationRemovesEntriesLongerThan128CharactersFirst() throws {
        // Left to right: small0, big (200 chars), small1 … small9, each small 40 chars.
        var state = TraceState()
        for i in (0..<10).reversed() {
            state = try state.setting("s\(i)", String(repeating: "x", count: 37))
        }
        state = try state.setting("big", String(repeating: "y", count: 196))
        state = try state.setting("s0", String(repeating: "x", count: 37))
        #expect(state.entries.map(\.key) == ["s0", "big"] + (1..<10).map { "s\($0)" })
        let header = state.headerValue
        #expect(header.utf8.count <= 512)
        let kept = try #require(TraceState(headerValue: header))
        #expect(kept.entries.map(\.key) == ["s0"] + (1..<10).map { "s\($0)" })
    }

    @Test func truncationThenRemovesEntriesFromTheEnd() throws {
        // 20 entries of 100 characters: 2019 characters; keeps the first 5 (504 characters).
        var state = TraceState()
        for i in (0..<20).reversed() {
            let key = "k" + (i < 10 ? "0" : "") + "\(i)"
            state = try state.setting(key, String(repeating: "v", count: 96))
        }
        let header = state.headerValue
        #expect(header.utf8.count == 504)
        #expect(try #require(TraceState(headerValue: header)).entries.map(\.key) == ["k00", "k01", "k02", "k03", "k04"])
    }

    @Test func aSingleEntryLongerThan512CharactersIsNotSent() throws {
        let state = try TraceState().setting(String(repeating: "k", count: 256), String(repeating: "v", count: 256))
        #expect(state.headerValue == "")
    }

    @Test func randomValidTraceStatesSurviveSerialisationAndParsing() throws {
        var rng = SeededGenerator(seed: 0x7ace_57a7e)
        let keyFirst = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        let keyRest = keyFirst + Array("_-*/@".utf8)
        let valueChars = (0x20...0x7E).map { UInt8($0) }.filter { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "=") }
        for _ in 0..<500 {
            var entries: [TraceState.Entry] = []
            for _ in 0..<Int.random(in: 0...32, using: &rng) {
                let longKey = Int.random(in: 0..<20, using: &rng) == 0
                var key = [keyFirst.randomElement(using: &rng)!]
                for _ in 0..<Int.random(in: 0...(longKey ? 255 : 12), using: &rng) { key.append(keyRest.randomElement(using: &rng)!) }
                var value = (0..<Int.random(in: 0...(longKey ? 255 : 15), using: &rng)).map { _ in valueChars.randomElement(using: &rng)! }
                value.append(valueChars.filter { $0 != 0x20 }.randomElement(using: &rng)!)
                let entry = TraceState.Entry(key: String(decoding: key, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
                if !entries.contains(where: { $0.key == entry.key }) { entries.append(entry) }
            }
            var state = TraceState()
            for entry in entries.reversed() { state = try state.setting(entry.key, entry.value) }
            #expect(state.entries == entries)
            let header = state.headerValue
            let parsed = try #require(TraceState(headerValue: header))
            #expect(header.utf8.count <= 512)
            let fullLength = entries.reduce(max(0, entries.count - 1)) { $0 + $1.key.utf8.count + 1 + $1.value.utf8.count }
            if fullLength <= 512 {
                #expect(parsed.entries == entries)
            } else {
                // Truncation keeps whole entries, in order.
                #expect(parsed.entries.allSatisfy(entries.contains))
                let positions = parsed.entries.map { e in entries.firstIndex(of: e)! }
                #expect(positions == positions.sorted())
            }
        }
    }
}
