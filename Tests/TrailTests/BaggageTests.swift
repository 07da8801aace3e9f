import Testing
import Trail

@Suite struct BaggageTests {
    @Test func anEmptyBaggageHasNoEntriesAndAnEmptyHeader() {
        #expect(Baggage().isEmpty)
        #expect(Baggage().headerValue == "")
        #expect(Baggage(headerValue: "").isEmpty)
    }

    @Test func membersAreParsedInOrder() {
        let baggage = Baggage(headerValue: "key1=value1,key2=value2")
        #expect(baggage.entries == [.init(key: "key1", value: "value1"), .init(key: "key2", value: "value2")])
        #expect(baggage["key2"] == "value2")
        #expect(baggage["nope"] == nil)
    }

    @Test func optionalWhitespaceAroundKeysEqualsSignsAndValuesIsNotPartOfThem() {
        let baggage = Baggage(headerValue: " key1 \t= \tvalue1 ,\tkey2=value2\t")
        #expect(baggage.entries == [.init(key: "key1", value: "value1"), .init(key: "key2", value: "value2")])
    }

    @Test func valuesArePercentDecoded() {
        let baggage = Baggage(headerValue: "a=value%201%20%2F%20blah,b=%E2%9C%93,c=100%25")
        #expect(baggage["a"] == "value 1 / blah")
        #expect(baggage["b"] == "\u{2713}")
        #expect(baggage["c"] == "100%")
    }

    @Test func invalidUTF8AfterDecodingBecomesTheReplacementCharacter() {
        #expect(Baggage(headerValue: "a=x%FFy")["a"] == "x\u{FFFD}y")
    }

    @Test func aPercentSignNotFollowedByTwoHexDigitsIsKeptAsItIs() {
        #expect(Baggage(headerValue: "a=50%,b=%zz")["a"] == "50%")
        #expect(Baggage(headerValue: "a=50%,b=%zz")["b"] == "%zz")
    }

    @Test func aValueIsSplitAtTheFirstEqualsSign() {
        #expect(Baggage(headerValue: "a=b=c==")["a"] == "b=c==")
    }

    @Test func anEmptyValueIsAllowed() {
        #expect(Baggage(headerValue: "a=,b=1").entries == [.init(key: "a", value: ""), .init(key: "b", value: "1")])
    }

    @Test func propertiesAreKeptAsOpaqueMetadata() throws {
        let baggage = Baggage(headerValue: "key1=value1;property1;property2=p2 , key2=v2")
        let entry = try #require(baggage.entry(forKey: "key1"))
        #expect(entry.value == "value1")
        #expect(entry.metadata == "property1;property2=p2")
        #expect(baggage.entry(forKey: "key2")?.metadata == nil)
        #expect(baggage.headerValue == "key1=value1;property1;property2=p2,key2=v2")
    }

    @Test func invalidMembersAreDroppedAndTheOthersKept() {
        let header = [
            "good1=1",
            "bad key=1",      // key is not a token
            "bad2=va lue",    // space inside the value
            "bad3=quo\"te",   // `"` is not a baggage-octet
            "bad4",           // no `=`
            "=nokey",         // empty key
            "bad5=x;=p",      // property without a key
            "bad6=x;p q",     // property that is not a token
            "k\u{e9}y=1",     // non-ASCII key
            "good2=2",
        ].joined(separator: ",")
        #expect(Baggage(headerValue: header).entries.map(\.key) == ["good1", "good2"])
    }

    @Test func emptyMembersAreSkipped() {
        #expect(Baggage(headerValue: ",a=1,, ,b=2,").entries.map(\.key) == ["a", "b"])
    }

    @Test func aRepeatedKeyTakesTheLastValueAtTheFirstPosition() {
        let baggage = Baggage(headerValue: "a=1,b=2,a=3")
        #expect(baggage.entries == [.init(key: "a", value: "3"), .init(key: "b", value: "2")])
    }

    @Test func multipleHeaderFieldsAreCombined() {
        #expect(Baggage(headerFields: ["a=1", "b=2,c=3"]).entries.map(\.key) == ["a", "b", "c"])
    }

    @Test func sixtyFourMembersArePropagatedAndLaterOnesDropped() {
        let header = (0..<70).map { "k\($0)=v" }.joined(separator: ",")
        let baggage = Baggage(headerValue: header)
        #expect(baggage.count == 64)
        #expect(baggage["k63"] == "v")
        #expect(baggage["k64"] == nil)
    }

    @Test func membersBeyond8192BytesAreDroppedWholeNeverCut() {
        // Eight members of 1000 bytes fit (8007 bytes with commas); a 1000-byte ninth does not,
        // a small tenth still does.
        var header = (0..<9).map { i in "k\(i)=" + String(repeating: "v", count: 997) }
        header.append("small=1")
        let baggage = Baggage(headerValue: header.joined(separator: ","))
        #expect(baggage.entries.map(\.key) == (0..<8).map { "k\($0)" } + ["small"])
        #expect(baggage.entries.allSatisfy { $0.key == "small" || $0.value.count == 997 })
        #expect(baggage.headerValue.utf8.count <= 8192)
    }

    @Test func theHeaderStaysWithinTheLimitsWhenEntriesWereSetLocally() throws {
        var baggage = Baggage()
        for i in 0..<100 { baggage = try baggage.setting("k\(i)", "v") }
        #expect(baggage.count == 100)
        #expect(Baggage(headerValue: baggage.headerValue).count == 64)
        let big = try Baggage().setting("big", String(repeating: "x", count: 9000)).setting("small", "1")
        #expect(big.headerValue == "small=1")
    }

    @Test func valuesArePercentEncodedOutsideBaggageOctetsAndForPercent() throws {
        let baggage = try Baggage().setting("k", "a b,c;d\\e\"f%g=h\u{e9}\u{1F600}\t")
        #expect(baggage.headerValue == "k=a%20b%2Cc%3Bd%5Ce%22f%25g=h%C3%A9%F0%9F%98%80%09")
    }

    @Test func settingReplacesAnExistingKeyInPlaceAndAppendsANewOne() throws {
        let baggage = try Baggage(headerValue: "a=1,b=2").setting("a", "9").setting("c", "3", metadata: "p=1")
        #expect(baggage.headerValue == "a=9,b=2,c=3;p=1")
    }

    @Test func settingAnInvalidKeyOrMetadataThrows() {
        #expect(throws: Baggage.ValidationError.invalidKey("a b")) { try Baggage().setting("a b", "1") }
        #expect(throws: Baggage.ValidationError.invalidKey("")) { try Baggage().setting("", "1") }
        #expect(throws: Baggage.ValidationError.invalidMetadata("=x")) { try Baggage().setting("a", "1", metadata: "=x") }
        #expect(throws: Baggage.ValidationError.invalidMetadata(" ")) { try Baggage().setting("a", "1", metadata: " ") }
    }

    @Test func removingAKeyKeepsTheRest() throws {
        #expect(Baggage(headerValue: "a=1,b=2,c=3").removing("b").headerValue == "a=1,c=3")
    }

    @Test func mergingLetsTheOtherBaggageWin() {
        let merged = Baggage(headerValue: "a=1,b=2").merging(Baggage(headerValue: "b=3,c=4"))
        #expect(merged.headerValue == "a=1,b=3,c=4")
    }

    @Test func randomUnicodeValuesSurviveEncodingAndDecoding() throws {
        var rng = SeededGenerator(seed: 0xba66a9e)
        let tokenChars = Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        let scalarRanges: [ClosedRange<UInt32>] = [0x00...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF]
        for _ in 0..<500 {
            var baggage = Baggage()
            var expected: [(String, String)] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let key = String(decoding: (0..<Int.random(in: 1...10, using: &rng)).map { _ in tokenChars.randomElement(using: &rng)! }, as: UTF8.self)
                var value = String.UnicodeScalarView()
                for _ in 0..<Int.random(in: 0...20, using: &rng) {
                    let range = scalarRanges.randomElement(using: &rng)!
                    value.append(Unicode.Scalar(UInt32.random(in: range, using: &rng))!)
                }
                baggage = try baggage.setting(key, String(value))
                expected.removeAll { $0.0 == key }
                expected.append((key, String(value)))
            }
            let parsed = Baggage(headerValue: baggage.headerValue)
            #expect(parsed.count == baggage.count)
            for (key, value) in expected { #expect(parsed[key] == value) }
            #expect(parsed == baggage)
        }
    }
}
