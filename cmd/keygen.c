/* placeholder: replaced by the real implementation of cti keygen */
#include "cmd.h"

int
cmd_keygen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_msg("not built yet");
	return 2;
}
