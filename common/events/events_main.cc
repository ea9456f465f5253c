// main() of the `events` command (events_cli.h).
#include "common/events/events_cli.h"

int main(int argc, char** argv) { return qs::events::EventsMain(argc, argv); }
