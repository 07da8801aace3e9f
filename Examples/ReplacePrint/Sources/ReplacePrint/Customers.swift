// The parts of the import job that don't log: the sample input, parsing, and a flaky store.
// The logging is all in main.swift, so it reads like the script it replaced.

/// The input: what `customers.csv` would hold. Row 3 has a bad email, row 5 a bad seat count
/// (rows count from 1, after the header).
let sampleCSV = """
    email,name,plan,seats
    ada@example.com,Ada Lovelace,team,5
    grace@example.com,Grace Hopper,solo,1
    linus-at-example.com,Linus,team,3
    barbara@example.com,Barbara Liskov,enterprise,40
    edsger@example.com,Edsger Dijkstra,team,many
    margaret@example.com,Margaret Hamilton,enterprise,12
    """

/// One valid row of the input.
struct Customer: Sendable {
    let email: String
    let name: String
    let plan: String
    let seats: Int
}

/// Why a row was skipped.
enum RowProblem: Error, CustomStringConvertible {
    case wrongColumnCount(Int)
    case invalidEmail(String)
    case invalidSeats(String)

    var description: String {
        switch self {
        case .wrongColumnCount(let n): "expected 4 columns, got \(n)"
        case .invalidEmail(let email): "not an email address: \(email)"
        case .invalidSeats(let seats): "seats is not a number: \(seats)"
        }
    }
}

/// Parses and validates one CSV row.
func parseCustomer(_ row: Substring) throws(RowProblem) -> Customer {
    let columns = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard columns.count == 4 else { throw .wrongColumnCount(columns.count) }
    guard columns[0].contains("@") else { throw .invalidEmail(columns[0]) }
    guard let seats = Int(columns[3]) else { throw .invalidSeats(columns[3]) }
    return Customer(email: columns[0], name: columns[1], plan: columns[2], seats: seats)
}

/// Errors of the CRM we import into.
enum StoreError: Error, CustomStringConvertible {
    case timeout(milliseconds: Int)
    case rejected(status: Int, reason: String)

    var description: String {
        switch self {
        case .timeout(let ms): "timed out after \(ms) ms"
        case .rejected(let status, let reason): "HTTP \(status): \(reason)"
        }
    }
}

/// A stand-in for the CRM's API: Barbara's first save times out, Margaret's plan is always refused.
struct CRMStore: Sendable {
    let endpoint = "https://crm.example.com/api/v2"
    let apiToken = "tok_live_51Hx9example"

    /// Saves `customer`; `attempt` counts from 1. Returns the new record's id.
    func save(_ customer: Customer, attempt: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(2))
        if customer.email.hasPrefix("barbara"), attempt == 1 { throw StoreError.timeout(milliseconds: 2000) }
        if customer.plan == "enterprise", customer.seats < 20 {
            throw StoreError.rejected(status: 422, reason: "enterprise plan needs at least 20 seats")
        }
        return 1000 + customer.email.utf8.count
    }
}
