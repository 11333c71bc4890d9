/* Links against an installed libcolonies and checks one published vector. */
#include <stdio.h>
#include <string.h>

#include <colonies/colonies.h>

int main(void)
{
    char *id = NULL;
    int rc = colonies_crypto_id(&id, "6d2fb6f546bacfd98c68769e61e0b44a697a30596c018a50e28200aa59b01c0a");
    int ok = rc == COLONIES_OK && strcmp(id, "4fef2b5a82d134d058c1883c72d6d9caf77cd59ca82d73105017590dea3dcb87") == 0;
    printf("libcolonies %s: %s\n", colonies_version(), ok ? "ok" : colonies_last_error());
    colonies_free(id);
    return ok ? 0 : 1;
}
