/* convert_affiliation.c - the affiliations of convert_to_json.py: the
 * reference's .affiliation_dir.json ({login: {institute, country, dn}})
 * loaded once, indexed by login and by DN, and the AffiliationInstitute and
 * AffiliationCountry of a document from its CRAB_UserHN, else its
 * x509userproxysubject.
 *
 * Ownership: the converter owns both indexes (the DN index refers to the
 * login index's objects), freed by sp_conv_free_affiliations(); the fields
 * set are copied into the result's arena. */
#include "convert_internal.h"

#include <stdio.h>

#include <jansson.h>

int sp_conv_load_affiliations(sp_converter *c, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    c->aff_login = json_load_file(path, 0, &je);
    if (!c->aff_login || !json_is_object(c->aff_login)) {
        snprintf(err, errlen, "affiliation file %s: %s (line %d)", path,
                 c->aff_login ? "not a JSON object of logins" : je.text, je.line);
        return -1;
    }
    c->aff_dn = json_object();
    const char *login;
    json_t *person;
    json_object_foreach(c->aff_login, login, person) {
        const char *dn = json_string_value(json_object_get(person, "dn"));
        if (dn)
            json_object_set(c->aff_dn, dn, person);
    }
    return 0;
}

void sp_conv_affiliation(const sp_converter *c, sp_ad *res)
{
    json_t *aff = NULL;
    const char *login = rstr(res, "CRAB_UserHN"), *dn = rstr(res, "x509userproxysubject");
    if (!c->aff_login)
        return;
    if (rget(res, "CRAB_UserHN"))
        aff = login ? json_object_get(c->aff_login, login) : NULL;
    else if (dn)
        aff = json_object_get(c->aff_dn, dn);
    if (!aff)
        return;
    const char *inst = json_string_value(json_object_get(aff, "institute"));
    const char *country = json_string_value(json_object_get(aff, "country"));
    if (inst)
        set_str(res, "AffiliationInstitute", inst);
    if (country)
        set_str(res, "AffiliationCountry", country);
}

void sp_conv_free_affiliations(sp_converter *c)
{
    json_decref(c->aff_login);
    json_decref(c->aff_dn);
}
