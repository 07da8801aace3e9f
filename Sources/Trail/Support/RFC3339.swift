/// RFC 3339 timestamps (`2026-11-22T10:04:05.123456789Z`, or with a `+hh:mm` offset) as Unix
/// nanoseconds.
enum RFC3339 {
    static func nanoseconds(_ text: String) -> UInt64? {
        let u = Array(text.utf8)
        guard u.count >= 20 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<(start + count) {
                guard i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(u[i] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), u[4] == UInt8(ascii: "-"), let month = number(5, 2), u[7] == UInt8(ascii: "-"),
              let day = number(8, 2), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(u[10]),
              let hour = number(11, 2), u[13] == UInt8(ascii: ":"), let minute = number(14, 2), u[16] == UInt8(ascii: ":"),
              let second = number(17, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var fraction: UInt64 = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") {
                if digits < 9 { fraction = fraction * 10 + UInt64(u[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { fraction *= 10 }
        }
        guard i < u.count else { return nil }
        var offset = 0
        switch u[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let hours = number(i + 1, 2), i + 3 < u.count, u[i + 3] == UInt8(ascii: ":"), let minutes = number(i + 4, 2),
                  hours < 24, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == u.count else { return nil }
        // A leap second (:60) is counted as the last instant of :59.
        let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        guard seconds >= 0 else { return nil }
        return UInt64(seconds) * 1_000_000_000 + (second == 60 ? 999_999_999 : fraction)
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        // Count from 1 March so that a leap day falls at the end of the counted year.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
