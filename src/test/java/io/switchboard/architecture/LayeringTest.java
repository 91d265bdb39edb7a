package io.switchboard.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The dependency lines of STYLE.md, held by the build. */
class LayeringTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.switchboard");

    @Test
    void protocolIsFrameworkFree() {
        noClasses().that().resideInAPackage("io.switchboard.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.switchboard.organization..", "io.switchboard.security..", "io.switchboard.web..",
                        "io.switchboard.session..", "io.switchboard.sandbox..",
                        "jakarta..", "io.quarkus..", "io.smallrye..", "org.hibernate..")
                .check(CLASSES);
    }

    @Test
    void sandboxNeverBorrowsTheClient() {
        noClasses().that().resideInAPackage("io.switchboard.sandbox..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.protocol.client..")
                .allowEmptyShould(true)
                .check(CLASSES);
    }

    @Test
    void organizationsDoNotKnowSessions() {
        noClasses().that().resideInAPackage("io.switchboard.organization..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.session..")
                .check(CLASSES);
    }

    @Test
    void sessionsDoNotKnowTheSandboxNorHttpErrors() {
        noClasses().that().resideInAPackage("io.switchboard.session..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.sandbox..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("io.switchboard.session..")
                .and().resideOutsideOfPackage("io.switchboard.session.rest..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.web..")
                .check(CLASSES);
    }

    @Test
    void theDatabaseRoomKnowsNoFeature() {
        noClasses().that().resideInAPackage("io.switchboard.db..")
                .should().dependOnClassesThat().resideInAnyPackage("io.switchboard.session..", "io.switchboard.messaging..",
                        "io.switchboard.events..", "io.switchboard.webhook..", "io.switchboard.web..",
                        "io.switchboard.organization..", "io.switchboard.sandbox..")
                .check(CLASSES);
    }

    @Test
    void theEventLogKnowsOnlyTheDatabase() {
        noClasses().that().resideInAPackage("io.switchboard.events..")
                .should().dependOnClassesThat().resideInAnyPackage("io.switchboard.session..", "io.switchboard.messaging..",
                        "io.switchboard.webhook..", "io.switchboard.sandbox..")
                .check(CLASSES);
    }

    @Test
    void messagingReachesSessionsOnlyThroughPorts() {
        // The actor, its replica duties and its REST are out of reach; the outbox sender sees a
        // connection only as OutboxConnection, which the session implements.
        noClasses().that().resideInAPackage("io.switchboard.messaging..")
                .should().dependOnClassesThat().resideInAnyPackage("io.switchboard.session", "io.switchboard.session.rest..",
                        "io.switchboard.webhook..", "io.switchboard.sandbox..")
                .check(CLASSES);
    }

    @Test
    void webhooksSitOnTheEventLog() {
        noClasses().that().resideInAPackage("io.switchboard.webhook..")
                .should().dependOnClassesThat().resideInAnyPackage("io.switchboard.session", "io.switchboard.session.rest..",
                        "io.switchboard.messaging..", "io.switchboard.sandbox..")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage("io.switchboard.events..", "io.switchboard.messaging..", "io.switchboard.session..")
                .should().dependOnClassesThat().resideInAPackage("io.switchboard.webhook..")
                .check(CLASSES);
    }
}
