// TablesInDumpListing (pure) on lines `pg_restore --list` prints.
#include "deploy/backup/dump_contents.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;

TEST(DumpContentsTest, OnlyTableEntries) {
  constexpr char kListing[] =
      ";\n"
      "; Archive created at 2026-12-02 03:29:08 UTC\n"
      ";     dbname: social_db\n"
      "3343; 0 0 ACL - SCHEMA public pg_database_owner\n"
      "227; 1259 18195 TABLE public channel_read_marks social_owner\n"
      "3601; 0 0 ACL public TABLE channel_read_marks social_owner\n"
      "224; 1259 18132 TABLE public chat_channels social_owner\n"
      "3590; 0 18132 TABLE DATA public chat_channels social_owner\n"
      "3411; 2606 18140 CONSTRAINT public chat_channels chat_channels_pkey social_owner\n"
      "230; 1259 18300 TABLE ATTACH public part_2026 social_owner\n"
      "2031; 826 17995 DEFAULT ACL - DEFAULT PRIVILEGES FOR SEQUENCES social_owner\n";
  EXPECT_THAT(TablesInDumpListing(kListing),
              ElementsAre("public.channel_read_marks", "public.chat_channels"));
}

}  // namespace
}  // namespace qs::backup
