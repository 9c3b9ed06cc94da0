/// A problem as application/problem+json, written without JSONEncoder like every answer.
extension Problem: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("detail", detail)
            json.member("errno", ifPresent: errno)
            json.member("status", status)
            json.member("title", title)
            json.member("type", type)
        }
    }
}
