package io.switchboard.support;

import java.time.Duration;
import static org.awaitility.Awaitility.await;
import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;

/** Small request builders shared by the REST tests. */
public final class Api {

    private Api() {
    }

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    public static UUID createOrganization(String name) {
        String id = as(Tokens.admin())
                .body(Map.of("name", name))
                .post("/api/v1/organizations")
                .then().statusCode(201)
                .extract().path("id");
        return UUID.fromString(id);
    }

    /** A random phone number starting with {@code prefix} (four digits), eleven digits in all. */
    public static String randomPhone(String prefix) {
        return prefix + (1_000_000 + (long) (Math.random() * 8_999_999));
    }

    /**
     * A new organization linked through the sandbox to {@code phone}: its QR scanned by that phone,
     * answered once its device has uploaded its pre-keys (so others can start sessions with it).
     */
    public static UUID linkedOrganization(String name, String phone) throws InterruptedException {
        UUID org = createOrganization(name);
        io.restassured.response.Response answer = as(Tokens.admin()).post("/api/v1/organizations/" + org + "/whatsapp/init-baileys");
        if (answer.statusCode() == 202) {
            answer = await("the QR of " + name).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> as(Tokens.admin()).get("/api/v1/organizations/" + org + "/whatsapp/qrcode"), r -> r.statusCode() != 202);
        }
        String qr = answer.then().statusCode(200).extract().path("qr");
        as(Tokens.admin()).body(Map.of("qr", qr, "phone", phone)).post("/sandbox/v1/scan").then().statusCode(200);
        awaitPreKeysUploaded(phone);
        return org;
    }

    /** Waits until a device of {@code phone} holds one-time pre-keys in the sandbox's directory. */
    public static void awaitPreKeysUploaded(String phone) throws InterruptedException {
        await("the device of " + phone + " uploads its pre-keys").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> as(Tokens.admin()).get("/sandbox/v1/devices").then().extract().jsonPath().<Map<String, Object>>getList("$")
                        .stream().anyMatch(d -> phone.equals(d.get("phone")) && ((Integer) d.get("preKeys")) > 0));
    }
}
