#pragma once
// What the contacts tests stand on, on each engine: a fresh database, the
// identity and contacts services over it, a scratch directory (the spool is
// its "spool"), and accounts with their owners. A fixture that needs the
// services' ports connected sets identity_ports_ / contacts_ports_ before
// calling SetUp.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "contacts/service.h"
#include "core/clock.h"
#include "db/testing_db.h"
#include "identity/service.h"

namespace ujumbe::contacts::testing {

class ContactsTest : public ::testing::TestWithParam<db::Dialect> {
protected:
    void SetUp() override;  // skips when the engine is not available
    void TearDown() override;

    db::Database& db() { return test_->db(); }
    // A new business account in `country` and its owner acting in it.
    Principal owner_of(const std::string& name, const std::string& country = "TZ");
    // The owner of the platform account, the platform admin created first.
    Principal platform_admin();

    FakeClock clock_;
    std::unique_ptr<db::testing::TestDatabase> test_;
    std::unique_ptr<identity::IdentityService> identity_;
    std::unique_ptr<ContactsService> service_;
    identity::IdentityPorts identity_ports_;
    ContactsPorts contacts_ports_;
    std::filesystem::path dir_;
};

}  // namespace ujumbe::contacts::testing
