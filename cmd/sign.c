/* placeholder: replaced by the real implementation of cti sign */
#include "cmd.h"

int
cmd_sign(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_msg("not built yet");
	return 2;
}
