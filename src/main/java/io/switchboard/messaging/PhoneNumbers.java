package io.switchboard.messaging;

import io.switchboard.web.ApiException;

/** A phone number as people write it ({@code +55 11 8765-4321}): its digits, country code first, or a 400 naming the field. */
final class PhoneNumbers {

    private PhoneNumbers() {
    }

    static String digits(String field, String written) {
        String digits = written == null ? "" : written.replaceAll("[+\\s().-]", "");
        if (!digits.matches("[1-9][0-9]{6,14}")) {
            throw ApiException.invalidField(field, "must be a number of 7 to 15 digits, country code first");
        }
        return digits;
    }
}
