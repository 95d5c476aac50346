package org.uchub;

/** The session log on its default database, the embedded H2 file database. */
class H2SessionLogTest extends SessionLogContract {
}
